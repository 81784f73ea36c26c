"""Reads of the translation cache for people: what waits for a person, what they corrected."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CachedTranslation


def translations_needing_human() -> QuerySet[CachedTranslation]:
    """Rows no provider could translate fully and no person has corrected yet, oldest first."""
    return CachedTranslation.objects.filter(needs_human=True, corrected_by_human=False).order_by(
        "created_at", "id"
    )


def translations_corrected() -> QuerySet[CachedTranslation]:
    return CachedTranslation.objects.filter(corrected_by_human=True).order_by("-corrected_at")
