"""The Korean catalogue: complete, its placeholders intact, compiled and used."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

from yooini.translations import SOURCE, catalogs_compile

KOREAN = SOURCE / "ko" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def test_every_string_is_translated_with_its_placeholders():
    catalogue = polib.pofile(str(KOREAN))
    assert len(catalogue) > 300
    for entry in catalogue:
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert translated, f"no Korean for {entry.msgid!r}"
        assert "fuzzy" not in entry.flags, entry.msgid
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        assert sorted(PLACEHOLDER.findall(translated)) == expected, entry.msgid


def test_the_catalogue_is_compiled_on_start_and_recompiled_when_edited(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    written = catalogs_compile()
    compiled = tmp_path / "ko" / "LC_MESSAGES" / "django.mo"
    assert written == [compiled] and compiled.stat().st_size > 1000
    assert catalogs_compile() == []  # up to date: nothing to do
    Path(compiled).touch()
    assert catalogs_compile() == []


@pytest.mark.django_db
def test_pages_and_messages_speak_korean():
    with translation.override("ko"):
        assert translation.gettext("Retry failed cells") == "실패한 셀 재시도"
        assert translation.ngettext("%(n)s failed", "%(n)s failed", 3) % {"n": 3} == "3개 실패"
