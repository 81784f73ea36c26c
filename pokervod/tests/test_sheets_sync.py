"""Block D's sync: changed rows found by their hash and announced once, the offline CSV/XLSX
path, and the last good export while the Sheets API's breaker is open."""

from __future__ import annotations

import pytest

from orchestrator.models import Event, ResourceState
from pokervod.models import SheetRow
from pokervod.sheets.auth import ServiceAccount
from pokervod.sheets.client import SheetsApiError, SheetsClient
from pokervod.sheets.offline import OfflineFileError, read_rows, write_rows
from pokervod.sheets.sync import (
    SheetSource,
    SheetsSyncError,
    SheetsUnavailable,
    breaker_status,
    last_good_export,
    sync_sheet,
)
from pokervod.sheets.testing import SheetsContractServer

pytestmark = pytest.mark.django_db

SHEET = "1pokervod-sync-sheet"
HEADER = ["Hand ID", "File Name", "NAS Folder Link", "In", "Out", "Tags"]


def hand(n, tags="bluff"):
    return [
        f"H-{n}",
        "WSOP_2024_Main_Event_Day1A.mp4",
        "/nas/WSOP",
        f"00:0{n}:00",
        f"00:0{n}:30",
        tags,
    ]


@pytest.fixture(autouse=True)
def exports(tmp_path, settings):
    settings.POKERVOD_EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def server():
    with SheetsContractServer() as running:
        yield running


@pytest.fixture
def client(server):
    key = server.service_account()
    server.spreadsheet(
        SHEET, {"Hands": [HEADER, hand(1), hand(2), hand(3)]}, share_with=[key["client_email"]]
    )
    with SheetsClient(ServiceAccount.from_info(key), base_url=server.base_url, attempts=1) as c:
        c.tokens.token()
        yield c


SOURCE = SheetSource(SHEET, "Hands!A1:F")


def changed_events():
    return list(Event.objects.filter(type="sheets.row.changed").order_by("id"))


def test_a_first_read_announces_every_row_then_nothing(client):
    first = sync_sheet(SOURCE, client)
    assert (first.origin, first.added, first.changed, first.unchanged) == ("api", 3, 0, 0)
    events = changed_events()
    assert [e.payload["key"] for e in events] == ["H-1", "H-2", "H-3"]
    assert events[0].payload["row"]["nas_folder_link"] == "/nas/WSOP"
    assert events[0].payload["row_number"] == 2 and events[0].source == "pokervod.D"
    again = sync_sheet(SOURCE, client)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    assert len(changed_events()) == 3
    assert Event.objects.filter(type="sheets.sync.completed").count() == 2


def test_an_edited_row_is_announced_once(client, server):
    sync_sheet(SOURCE, client)
    server.edit(SHEET, "Hands", 2, 5, "bluff, river")  # H-2's tags
    result = sync_sheet(SOURCE, client)
    assert (result.changed, result.unchanged) == (1, 2)
    [edited] = changed_events()[3:]
    assert edited.payload["key"] == "H-2" and edited.payload["change"] == "changed"
    assert edited.payload["row"]["tags"] == "bluff, river"
    assert sync_sheet(SOURCE, client).changed == 0


def test_removed_rows_and_rows_that_cannot_be_keyed(client, server):
    sync_sheet(SOURCE, client)
    server.spreadsheet(
        SHEET,
        {"Hands": [HEADER, hand(1), ["", "no key"], hand(1, tags="dup"), [], hand(3)]},
        share_with=server.shares[SHEET],
    )
    result = sync_sheet(SOURCE, client)
    assert result.removed == 1 and result.failures == {"no hand_id": 1, "duplicate hand_id": 1}
    # H-1 as it was, H-3 moved up a row: same values, nothing to announce.
    assert (result.unchanged, result.changed) == (2, 0)
    assert set(SheetRow.objects.values_list("row_key", flat=True)) == {"H-1", "H-3"}
    [removed] = Event.objects.filter(type="sheets.row.removed")
    assert removed.payload["key"] == "H-2"


def test_a_sheet_without_its_key_column_is_a_clear_error(client):
    with pytest.raises(SheetsSyncError, match="no 'ticket' column in the header row"):
        sync_sheet(SheetSource(SHEET, "Hands!A1:F", key_column="ticket"), client)
    with pytest.raises(SheetsSyncError, match="Hands!A10:F: no header row"):
        sync_sheet(SheetSource(SHEET, "Hands!A10:F"), client)


def test_the_breaker_opens_and_the_last_good_export_is_used(client, server, manual_clock):
    good = sync_sheet(SOURCE, client)
    assert read_rows(good.export)[1] == hand(1)
    server.fail_next(503, times=3)
    for _ in range(2):  # threshold 3: two failures raise, the engine's retry takes them
        with pytest.raises(SheetsApiError, match="503 UNAVAILABLE"):
            sync_sheet(SOURCE, client)
    third = sync_sheet(SOURCE, client)
    assert third.origin == "fallback" and "503" in third.fallback_reason
    assert (third.unchanged, third.changed) == (3, 0)
    assert breaker_status() == "OPEN"
    assert Event.objects.filter(type="breaker.open").exists()

    # While it is open the API is not called at all, even though it is back.
    server.edit(SHEET, "Hands", 1, 5, "hero call")
    reads = server.reads
    while_open = sync_sheet(SOURCE, client)
    assert while_open.origin == "fallback" and "breaker is open" in while_open.fallback_reason
    assert server.reads == reads and while_open.changed == 0

    # After the wait one trial goes to the API; it succeeds and closes the breaker.
    manual_clock.advance(301)
    trial = sync_sheet(SOURCE, client)
    assert trial.origin == "api" and trial.changed == 1
    assert breaker_status() == "CLOSED"


def test_no_export_to_fall_back_to(client, server):
    ResourceState.objects.filter(name="pokervod.sheets").delete()
    breaker_status()  # the row, from the declared defaults
    ResourceState.objects.filter(name="pokervod.sheets").update(breaker_threshold=1)
    server.fail_next(500)
    with pytest.raises(SheetsUnavailable, match="no last good export"):
        sync_sheet(SOURCE, client)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_offline_path_reads_and_writes_csv_and_xlsx(tmp_path, suffix):
    rows = [HEADER, hand(1), hand(2, tags="")]
    path = write_rows(tmp_path / f"hands{suffix}", rows)
    assert read_rows(path) == [HEADER, hand(1), hand(2, tags="")[:5]]
    first = sync_sheet(SOURCE, from_file=path)
    assert (first.origin, first.added) == ("file", 2)
    edited = [HEADER, hand(1, tags="slowroll"), hand(2, tags="")]
    write_rows(path, edited)
    assert sync_sheet(SOURCE, from_file=path).changed == 1


def test_offline_files_are_checked(tmp_path):
    with pytest.raises(OfflineFileError, match=r"hands\.ods: only \.csv and \.xlsx"):
        read_rows(tmp_path / "hands.ods")
    with pytest.raises(OfflineFileError, match="missing.csv"):
        read_rows(tmp_path / "missing.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(OfflineFileError, match="not a readable XLSX file"):
        read_rows(broken)


def test_the_export_is_named_after_the_sheet(settings, tmp_path):
    assert last_good_export(SheetSource("abc/def", "'Hand Log'!A1:F")).name == (
        "abc_def-Hand_Log.csv"
    )
