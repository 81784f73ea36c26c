"""The admin: the cache is read-only, and a person's edit of the translation is a correction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ai.models import CachedTranslation
from ai.services import translate_many

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs_human():
    [result] = translate_many(["무신사 스탠다드 반팔"])
    assert result.needs_human
    return CachedTranslation.objects.get()


def test_the_list_and_the_change_page_show_the_row(admin_client, needs_human):
    listing = admin_client.get(
        reverse("admin:ai_cachedtranslation_changelist") + "?needs_human__exact=1"
    )
    assert listing.status_code == 200 and "무신사 스탠다드 반팔" in listing.content.decode()
    page = admin_client.get(reverse("admin:ai_cachedtranslation_change", args=[needs_human.pk]))
    assert page.status_code == 200
    # the editable field starts from the provider's draft
    assert "무신사 스탠다드 半袖</textarea>" in page.content.decode()


def test_rows_cannot_be_added_here(admin_client):
    assert admin_client.get(reverse("admin:ai_cachedtranslation_add")).status_code == 403


def test_saving_a_translation_marks_it_corrected_and_it_wins(admin_client, admin_user, needs_human):
    url = reverse("admin:ai_cachedtranslation_change", args=[needs_human.pk])
    response = admin_client.post(url, {"text": "MUSINSA STANDARD 半袖Tシャツ", "provider": "x"})
    assert response.status_code == 302
    needs_human.refresh_from_db()
    assert needs_human.text == "MUSINSA STANDARD 半袖Tシャツ"
    assert needs_human.corrected_by_human and not needs_human.needs_human
    assert needs_human.corrected_by == admin_user.get_username()
    assert needs_human.provider == "offline"  # read-only fields are not taken from the form
    [result] = translate_many(["무신사 스탠다드 반팔"])
    assert (result.text, result.provider, result.cached) == (
        "MUSINSA STANDARD 半袖Tシャツ",
        "human",
        True,
    )


def test_an_empty_translation_is_refused(admin_client, needs_human):
    url = reverse("admin:ai_cachedtranslation_change", args=[needs_human.pk])
    response = admin_client.post(url, {"text": "  "})
    assert response.status_code == 200  # the form again, with its error
    needs_human.refresh_from_db()
    assert not needs_human.corrected_by_human and needs_human.text is None
