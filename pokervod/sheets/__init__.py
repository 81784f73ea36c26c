"""Block D, Sheets sync: the editors' Google Sheet read through the Sheets API v4, changed rows
found by their hash and announced as ``sheets.row.changed``; CSV / XLSX files as the offline
path, and the last good export while the API's breaker is open."""
