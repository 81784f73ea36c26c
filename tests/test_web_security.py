"""The web face's settings: the production set passes ``check --deploy``, the embedded mode
generates and keeps its own secret key, and ``serve`` refuses a public address with a key
anyone can read. Each runs ``yooini`` in a fresh process, as a deployment would."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from yooini.secret_key import PUBLIC_KEYS, secret_key_load, secret_key_problem

ROOT = Path(__file__).resolve().parent.parent
YOOINI = str(Path(sys.executable).with_name("yooini"))

# The production settings docs/deploy.md documents ("Security settings").
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "yooini.example.com",
    "DJANGO_SECURE_COOKIES": "1",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_BEHIND_PROXY": "1",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://yooini.example.com",
}


def yooini(*args: str, tmp: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp), "YOOINI_VAR_DIR": str(tmp / "var")}
    return subprocess.run(
        [YOOINI, *args],
        cwd=tmp,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_documented_production_settings_pass_check_deploy(tmp_path):
    documented = (ROOT / "docs" / "deploy.md").read_text()
    assert all(name in documented for name in PRODUCTION)
    key = secrets.token_urlsafe(50)
    checked = yooini("check", "--deploy", tmp=tmp_path, DJANGO_SECRET_KEY=key, **PRODUCTION)
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout, checked.stdout + checked.stderr


def test_without_a_key_one_is_generated_once_kept_private_and_shared(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_key_load(tmp_path), range(16)))
    (key,) = keys
    path = tmp_path / "secret_key"
    assert path.read_text() == key and secret_key_problem(key) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key_load(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_the_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-environment")
    assert secret_key_load(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("key", [*sorted(PUBLIC_KEYS), "short-key", "django-insecure-" + "x" * 50])
def test_serve_on_a_public_address_refuses_a_key_anyone_can_know(tmp_path, key):
    refused = yooini(
        "serve", "--host", "0.0.0.0", "--port", "0", tmp=tmp_path, DJANGO_SECRET_KEY=key
    )
    assert refused.returncode != 0
    assert "refusing to serve on 0.0.0.0" in refused.stderr
    assert key not in refused.stderr  # the key itself is never printed
