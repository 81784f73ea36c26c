"""The master data loader: the shipped CSVs in full, idempotent reloads, exact diffs, clear
errors for bad files, and the ``buyma_master`` command."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from markets.buyma.master import (
    SHIPPED_DIR,
    TABLES,
    MasterDataError,
    buyma_master_ensure,
    buyma_master_load,
    buyma_master_status,
)
from markets.buyma.models import BuymaBrand, BuymaColor, BuymaSize

pytestmark = pytest.mark.django_db


def shipped_rows(name: str) -> list[dict[str, str]]:
    plain, packed = SHIPPED_DIR / f"{name}.csv", SHIPPED_DIR / f"{name}.csv.gz"
    raw = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def write(directory: Path, name: str, text: str) -> None:
    (directory / f"{name}.csv").write_text("\ufeff" + text, encoding="utf-8")


def copy_shipped(directory: Path) -> None:
    for table in TABLES:
        for suffix in (".csv", ".csv.gz"):
            source = SHIPPED_DIR / f"{table.name}{suffix}"
            if source.exists():
                (directory / source.name).write_bytes(source.read_bytes())


def test_counts_equal_the_shipped_rows(buyma_master):
    status = buyma_master_status()
    for table in TABLES:
        assert status[table.name] == len(shipped_rows(table.name)), table.name
    assert status["brands"] > 22000
    assert BuymaBrand.objects.get(id=275).name == "Nike(ナイキ)"
    assert BuymaBrand.objects.get(id=83).limited is True
    assert BuymaSize.objects.get(category_id=3321, size_id=290).name == "29cm以上"


def test_a_reload_changes_nothing(buyma_master):
    counts = buyma_master_load()
    for table in TABLES:
        c = counts[table.name]
        assert (c.created, c.updated, c.deleted) == (0, 0, 0), table.name
        assert c.rows == buyma_master[table.name]
    assert buyma_master_ensure() is False


def test_a_reload_creates_updates_and_deletes_exactly_the_differences(buyma_master):
    BuymaBrand.objects.filter(id=275).update(name="renamed", limited=True)
    BuymaBrand.objects.filter(id=105).delete()
    BuymaBrand.objects.create(id=99_999_999, name="Gone(ゴーン)", limited=False)
    BuymaSize.objects.filter(category_id=3260, size_id=3).update(name="MM")
    counts = buyma_master_load()
    assert counts["brands"].to_dict() == {
        "rows": buyma_master["brands"],
        "created": 1,
        "updated": 1,
        "deleted": 1,
    }
    assert (counts["sizes"].updated, counts["sizes"].created) == (1, 0)
    assert BuymaBrand.objects.get(id=275).name == "Nike(ナイキ)"
    assert not BuymaBrand.objects.get(id=275).limited
    assert BuymaBrand.objects.filter(id=105).exists()
    assert not BuymaBrand.objects.filter(id=99_999_999).exists()
    assert BuymaSize.objects.get(category_id=3260, size_id=3).name == "M"


def test_ensure_loads_when_a_table_is_empty(buyma_master):
    BuymaColor.objects.all().delete()
    assert buyma_master_ensure() is True
    assert BuymaColor.objects.count() == buyma_master["colors"]


def test_load_from_another_directory_removes_what_it_lacks(buyma_master, tmp_path):
    copy_shipped(tmp_path)
    write(tmp_path, "colors", '"id","name"\n"2","ブラック（黒）系"\n"99","マルチカラー"\n')
    counts = buyma_master_load(tmp_path)
    assert counts["colors"].to_dict() == {"rows": 2, "created": 0, "updated": 0, "deleted": 15}
    assert sorted(BuymaColor.objects.values_list("id", flat=True)) == [2, 99]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"id","label"\n"1","x"\n', "missing column(s) name"),
        ('"id","name"\n"one","x"\n', "line 2, column 'id': bad value 'one'"),
        ('"id","name"\n"1","x"\n"1","y"\n', "line 3: duplicate id (1,)"),
    ],
)
def test_a_bad_file_says_where_and_writes_nothing(buyma_master, tmp_path, text, message):
    copy_shipped(tmp_path)
    write(tmp_path, "colors", text)
    with pytest.raises(MasterDataError, match=r"colors\.csv") as caught:
        buyma_master_load(tmp_path)
    assert message in str(caught.value)
    assert BuymaColor.objects.count() == buyma_master["colors"]


def test_missing_directory_or_file(buyma_master, tmp_path):
    with pytest.raises(MasterDataError, match="directory not found"):
        buyma_master_load(tmp_path / "nowhere")
    with pytest.raises(MasterDataError, match=r"brands\.csv \(or \.csv\.gz\)"):
        buyma_master_load(tmp_path)


def test_master_dir_setting_is_the_default(buyma_master, settings, tmp_path):
    settings.YOOINI_BUYMA_MASTER_DIR = str(tmp_path / "missing")
    with pytest.raises(MasterDataError, match="missing"):
        buyma_master_load()


def test_command_status_and_load(buyma_master, tmp_path):
    out = io.StringIO()
    call_command("buyma_master", "status", stdout=out)
    assert f"brands {buyma_master['brands']:>6}".replace(" ", "") in out.getvalue().replace(" ", "")
    out = io.StringIO()
    call_command("buyma_master", "load", stdout=out)
    assert "+0 ~0 -0" in out.getvalue()
    with pytest.raises(CommandError, match="directory not found"):
        call_command("buyma_master", "load", "--dir", str(tmp_path / "nowhere"))
