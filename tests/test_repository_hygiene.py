"""The repository speaks for itself: no source or doc cites a path outside it, and pytest's
``testpaths`` names only folders that exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", ".git", "var", "node_modules", "test-artifacts", "build", "dist"}
# A path that leaves the repository, or the private folders such notes used to live in.
OUTSIDE = re.compile(
    r"\.\./shared|(?<![\w/.])(?:shared|seeds|research)/[\w./-]+\.\w+|research notes"
)


def _sources():
    for path in ROOT.rglob("*"):
        if path.suffix in {".py", ".md"} and not SKIP & set(path.relative_to(ROOT).parts):
            yield path


def test_no_source_or_doc_cites_a_path_outside_the_repository():
    offenders = []
    for path in _sources():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_testpaths_name_only_folders_that_exist():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    testpaths = config["tool"]["pytest"]["ini_options"]["testpaths"]
    assert [p for p in testpaths if not (ROOT / p).is_dir()] == []
