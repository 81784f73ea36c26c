"""Duration and resolution of a video through ffprobe, when it is installed.

Without ffprobe on ``PATH`` (or ``settings.POKERVOD_FFPROBE``) nothing is probed and the scan
goes on: duration and resolution stay unknown. A file ffprobe cannot read gets the reason.
The JSON read is ffprobe's ``-show_format -show_streams`` output
(https://ffmpeg.org/ffprobe.html).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Probe:
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    error: str = ""


def ffprobe_path() -> str | None:
    from django.conf import settings

    configured = getattr(settings, "POKERVOD_FFPROBE", None)
    return shutil.which(configured or "ffprobe")


def probe_file(path: Path, ffprobe: str) -> Probe:
    try:
        done = subprocess.run(
            [
                ffprobe,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Probe(error=f"ffprobe took more than {PROBE_TIMEOUT:.0f}s")
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        return Probe(error=f"ffprobe failed: {reason[-1] if reason else done.returncode}"[:500])
    return probe_from_json(done.stdout)


def probe_from_json(raw: bytes | str) -> Probe:
    try:
        data = json.loads(raw)
    except ValueError:
        return Probe(error="ffprobe answered no JSON")
    duration = _number((data.get("format") or {}).get("duration"))
    width = height = None
    for stream in data.get("streams") or []:
        if stream.get("codec_type") == "video":
            width, height = stream.get("width"), stream.get("height")
            duration = duration or _number(stream.get("duration"))
            break
    if duration is None:
        return Probe(width=width, height=height, error="ffprobe found no duration")
    return Probe(duration_seconds=duration, width=width, height=height)


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None
