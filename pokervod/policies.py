"""The seed's retry table, one place (``RETRY_POLICIES``): what each block's stage in
``pokervod_sync`` does when it fails. ``attempts`` counts the first try.

| block | seed | here |
|---|---|---|
| A NAS | 3, exponential from 5 s | ``Retry(3, exponential, 5 s)`` |
| B catalog | 3, exponential from 5 s | ``Retry(3, exponential, 5 s)`` |
| C clips | 2, fixed 2 s | ``Retry(2, fixed, 2 s)`` |
| D sheets | 5, exponential from 10 s | ``Retry(5, exponential, 10 s)``, plus the breaker of
  ``pokervod.sheets`` with the last good export as fallback (``sheets.sync``) |
| E API | 1, with a breaker | served per request (no stage): nothing to retry |
| F dashboard | 0, the client retries | pages (no stage) |
| G database | 1, rollback on fail | ``health.run_migration`` (one attempt, rolled back) |

Configuration errors (a bad rule, range or key column, a missing key file) are never retried:
the same call a minute later fails the same way.
"""

from __future__ import annotations

from orchestrator import Retry

from .catalog import CatalogError
from .nas.filenames import RuleError
from .sheets.a1 import A1Error
from .sheets.auth import SheetsAuthError
from .sheets.sync import SheetsSyncError

CONFIG_ERRORS: tuple[type[BaseException], ...] = (RuleError, CatalogError, SheetsSyncError, A1Error)

RETRY_POLICIES = {
    "A": Retry(attempts=3, backoff="exponential", base_delay=5, no_retry_on=CONFIG_ERRORS),
    "B": Retry(attempts=3, backoff="exponential", base_delay=5, no_retry_on=CONFIG_ERRORS),
    "C": Retry(attempts=2, backoff="fixed", base_delay=2, no_retry_on=CONFIG_ERRORS),
    "D": Retry(
        attempts=5,
        backoff="exponential",
        base_delay=10,
        no_retry_on=(*CONFIG_ERRORS, SheetsAuthError),
    ),
}
