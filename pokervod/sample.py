"""A sample PokerVOD archive: a NAS tree of small files with realistic names, the catalog
file that describes them, and the editors' hand log, all generated (deterministic by seed).

Used by ``yooini pokervod sample`` and by the tests; nothing here is read at run time by the
blocks themselves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .sheets.offline import write_rows

SHEET_HEADER = ["Hand ID", "File Name", "NAS Folder Link", "Episode", "In", "Out", "Tags"]
CATALOG_HEADER = ["project", "project_name", "season", "event", "episode", "title"]
PROJECTS = {
    "WSOP": ("World Series of Poker", ["Main Event", "High Roller", "Millionaire Maker"]),
    "EPT": ("European Poker Tour", ["Barcelona Main Event", "Prague Main Event"]),
    "HCL": ("Hustler Casino Live", ["Cash Game"]),
}
TAGS = ["bluff", "hero call", "cooler", "river", "all-in", "slowroll", "bad beat", "value bet"]
UNPARSABLE = ["final table highlights.mov", "interview raw.mp4", "B-roll crowd 03.mxf"]


@dataclass
class Sample:
    nas_root: Path
    catalog_file: Path
    sheet_rows: list[list[str]]
    files: list[str]


def _name(project: str, year: int, event: str, day: int, table: int, part: int) -> str:
    return f"{project}_{year}_{event.replace(' ', '_')}_Day{day}_Table{table}_Part{part}.mp4"


def build(base: Path, *, files: int = 1400, hands: int = 200, seed: int = 3) -> Sample:
    """Write ``files`` video files under ``base/nas`` and the catalog file; return the sheet."""
    rng = random.Random(seed)
    nas_root, catalog_file = base / "nas", base / "catalog.csv"
    made: list[tuple[str, str, str]] = []  # (relative path, file name, episode title)
    catalog: dict[tuple, list[str]] = {}
    combos = [
        (project, year, event)
        for project, (_, events) in PROJECTS.items()
        for event in events
        for year in (2023, 2024)
    ]
    while len(made) < files - len(UNPARSABLE):
        project, year, event = combos[len(made) % len(combos)]
        index = len(made) // len(combos)
        day, table, part = index // 20 + 1, index % 20 // 4 + 1, index % 4 + 1
        name = _name(project, year, event, day, table, part)
        folder = f"{project}/{year}/{event.replace(' ', '_')}"
        title = f"Day {day}"
        made.append((f"{folder}/{name}", name, f"{project} {year} {event} {title}"))
        catalog.setdefault((project, str(year), event, day), [PROJECTS[project][0], title])
    for name in UNPARSABLE:
        made.append((f"misc/{name}", name, ""))
    for relative, _, _ in made:
        path = nas_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * rng.randint(16, 256))
    rows = [CATALOG_HEADER] + [
        [project, name, season, event, str(day), title]
        for (project, season, event, day), (name, title) in sorted(catalog.items())
    ]
    write_rows(catalog_file, rows)
    parsable = [m for m in made if m[2]]
    sheet = [SHEET_HEADER]
    for n in range(1, hands + 1):
        relative, name, title = parsable[rng.randrange(len(parsable))]
        start = rng.randrange(0, 3 * 3600)
        length = rng.randrange(30, 600)
        folder = "\\\\nas\\vod\\" + "\\".join(relative.split("/")[:-1])
        sheet.append(
            [
                f"H-{n:05d}",
                name,
                folder,
                title,
                _timecode(start),
                _timecode(start + length),
                ", ".join(rng.sample(TAGS, rng.randint(1, 3))),
            ]
        )
    return Sample(nas_root, catalog_file, sheet, [m[0] for m in made])


def _timecode(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
