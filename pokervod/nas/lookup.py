"""Finding the recorded video file a sheet row points at (the seed's ``match_file_path``).

Editors paste links in many forms: ``\\\\nas\\share\\WSOP\\2024`` (Windows), ``smb://nas/share/...``,
``/mnt/nas/WSOP/2024``, with or without the file name. A link is reduced to its path parts;
the file is the present one whose name is the row's file name (or the link's last part) and
whose folder ends with the most of the link's parts, so two files of the same name in
different folders are told apart by their folder.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..models import VideoFile


def _parts(link: str) -> list[str]:
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", (link or "").strip(), flags=re.IGNORECASE)
    return [p for p in re.split(r"[\\\\/]+", text) if p and p not in (".", "..")]


def match_file_path(link: str, file_name: str = "") -> VideoFile | None:
    """The present file ``link`` (a folder or a file) and ``file_name`` name, or None."""
    parts = _parts(link)
    name = (file_name or "").strip() or (parts[-1] if parts else "")
    if not name:
        return None
    if parts and parts[-1] == name:
        parts = parts[:-1]
    candidates = list(VideoFile.objects.filter(name=name, present=True))
    if len(candidates) <= 1:
        return candidates[0] if candidates else None

    def shared_tail(candidate: VideoFile) -> int:
        folder = [
            p for p in f"{candidate.root}/{PurePosixPath(candidate.path).parent}".split("/") if p
        ]
        count = 0
        for mine, theirs in zip(reversed(parts), reversed(folder), strict=False):
            if mine.lower() != theirs.lower():
                break
            count += 1
        return count

    ranked = sorted(candidates, key=shared_tail, reverse=True)
    if shared_tail(ranked[0]) == shared_tail(ranked[1]):
        return None  # ambiguous: a person must say which
    return ranked[0]
