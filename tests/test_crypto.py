"""``yooini.crypto``, the one place credentials are encrypted (suppliers, markets, orders):
ciphertexts stored before it moved out of ``suppliers`` still read, and no app that uses it
pulls another app in."""

from __future__ import annotations

import subprocess
import sys

from yooini.crypto import credentials_decrypt, credentials_encrypt

# Made by the module when it was still ``suppliers/crypto.py``, with KEY: the stored format
# (Fernet over sorted JSON) must never change under rows already in a database.
KEY = "bW92ZWQtb3V0LW9mLXN1cHBsaWVycy0zMmJ5dGVzISE="
STORED = (
    "gAAAAABrEZjywj0biTWyYYjaL9Iw2J5Bz-fdDrncPtO4Cl7mGQRCVgaxe_0iMZY79KuVGB1U85Vi9VJgChBWlmqve"
    "Y-sMgLRpHG2-K9TngFVRovmbAE4YQKC5pduNny2t0MvcqcetJyvZU-8HQweVzKSoGInF4ilMw=="
)


def test_a_ciphertext_stored_before_the_move_still_reads(settings):
    settings.YOOINI_CREDENTIALS_KEY = KEY
    assert credentials_decrypt(STORED) == {
        "client_id": "acme",
        "token": "sk-stored-before-the-move",
    }


def test_round_trip_with_a_rotated_key_list(settings):
    settings.YOOINI_CREDENTIALS_KEY = KEY
    token = credentials_encrypt({"token": "t-1"})
    settings.YOOINI_CREDENTIALS_KEY = "Tm-BWvkI1qXVbMmLeBm_vOHG2o8WJYfOn2ta0JpBQeA=," + KEY
    assert credentials_decrypt(token) == {"token": "t-1"}


def test_importing_it_imports_no_app():
    code = (
        "import sys, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'yooini.settings');"
        "import yooini.crypto;"
        "apps = ('suppliers', 'markets', 'orders');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in apps))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
