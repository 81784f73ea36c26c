"""The translation cache: every answer a provider gave, so nothing is paid for twice.

A row is keyed by ``key``, the sha256 of what the answer depends on (provider name with its
model and version, languages, the text, the glossary entries that occur in the text; see
``cache.translation_key``). ``text_key`` is the sha256 of the languages and the text alone: it
finds a person's correction of the same text whatever provider or glossary made the row.

Rows that need a person are stored too (``needs_human``, with the provider's ``draft``); a
person's edit of ``text`` sets ``corrected_by_human`` and that row then wins over any answer for
the same text.
"""

from __future__ import annotations

from django.db import models


class CachedTranslation(models.Model):
    key = models.CharField(max_length=64, unique=True, editable=False)
    text_key = models.CharField(max_length=64, editable=False)
    provider = models.CharField(max_length=120, editable=False)
    source_lang = models.CharField(max_length=16, editable=False)
    target_lang = models.CharField(max_length=16, editable=False)
    source_text = models.TextField(editable=False)
    # The glossary entries the key was made with (for a person reading the row).
    glossary = models.JSONField(default=dict, blank=True, editable=False)
    text = models.TextField(null=True, blank=True)
    needs_human = models.BooleanField(default=False)
    draft = models.TextField(null=True, blank=True, editable=False)
    corrected_by_human = models.BooleanField(default=False, editable=False)
    corrected_by = models.CharField(max_length=150, blank=True, default="", editable=False)
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(editable=False)

    class Meta:
        db_table = "yooini_ai_translation"
        verbose_name = "translation"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["text_key", "corrected_by_human"], name="ai_translation_text"),
            models.Index(fields=["needs_human", "corrected_by_human"], name="ai_translation_todo"),
        ]

    def __str__(self) -> str:
        head = self.source_text if len(self.source_text) <= 40 else self.source_text[:39] + "…"
        return f"{self.provider}: {head}"

    def __repr__(self) -> str:
        return f"<CachedTranslation {self.pk} {self.provider} needs_human={self.needs_human}>"
