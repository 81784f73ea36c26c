"""The Django secret key: from ``DJANGO_SECRET_KEY``, else one generated once and kept under
``$YOOINI_VAR_DIR`` (the embedded mode needs no setup and still never shares a key).

``serve`` on an address other than loopback refuses a key anyone can know: a key that was
shipped in this project's code or examples, or one Django's own deploy check calls weak.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"
# Keys that were ever written in this project's code or examples: public, so never secret.
PUBLIC_KEYS = frozenset({"yooini-embedded-development-key", "change-me-to-a-long-random-string"})
_MIN_LENGTH, _MIN_UNIQUE = 50, 5  # Django's security.W009 thresholds


def secret_key_load(var_dir: Path) -> str:
    """``DJANGO_SECRET_KEY``, else the key in ``var_dir/secret_key``, created on first use
    (readable by its owner only). Two processes starting at once end with the same key: the
    file is created exclusively and the loser reads the winner's."""
    given = os.environ.get("DJANGO_SECRET_KEY", "")
    if given:
        return given
    path = var_dir / FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(temporary, path)  # fails if another process got there first: use its key
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return _read(path)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not guard a server others can reach, or ``None``."""
    if key in PUBLIC_KEYS:
        return "it is the development key written in the project itself"
    if key.startswith("django-insecure") or len(key) < _MIN_LENGTH or len(set(key)) < _MIN_UNIQUE:
        return f"it is weak (fewer than {_MIN_LENGTH} characters, or Django's insecure default)"
    return None


def _read(path: Path) -> str:
    # Never empty: the file appears only by a link to a fully written, synced one.
    return path.read_text().strip()
