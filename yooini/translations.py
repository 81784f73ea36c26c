"""The interface's translations: ``.po`` files in the package, compiled on start.

Compiled catalogues (``.mo``) are build output, so they are not kept in the repository; they
are written under ``$YOOINI_VAR_DIR/locale`` (``LOCALE_PATHS``) whenever a ``.po`` is newer,
with polib, which needs no GNU gettext on the machine.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import polib
from django.conf import settings

log = logging.getLogger("yooini.translations")
SOURCE = Path(__file__).resolve().parent / "locale"


def catalogs_compile() -> list[Path]:
    """Compile every stale ``.po`` under the package into ``LOCALE_PATHS[0]``; returns those written."""
    target_root = Path(settings.LOCALE_PATHS[0])
    written = []
    for po_path in sorted(SOURCE.glob("*/LC_MESSAGES/*.po")):
        mo_path = target_root / po_path.relative_to(SOURCE).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
            polib.pofile(str(po_path)).save_as_mofile(str(partial))
            partial.replace(mo_path)  # atomic: another process may be reading it
            written.append(mo_path)
        except OSError:
            log.exception("could not compile %s; the interface stays in English", po_path)
    return written
