"""Who holds a lease: ``host:pid:token``. A holder on this host whose process is gone is dead
now, not when its lease runs out, so a rerun after a crash resumes at once."""

from __future__ import annotations

import os
import socket
import threading
import uuid

_live_tokens: set[str] = set()
_lock = threading.Lock()


def owner_new() -> str:
    token = uuid.uuid4().hex[:12]
    with _lock:
        _live_tokens.add(token)
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


def owner_release(owner: str) -> None:
    with _lock:
        _live_tokens.discard(owner.rsplit(":", 1)[-1])


def owner_is_dead(owner: str) -> bool:
    """True only when certain: the holder ran on this host and its process (or runner) is gone."""
    try:
        host, pid_text, token = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        with _lock:
            return token not in _live_tokens
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
