"""The event kinds a channel may ask for and the kinds of channel: plain names, so the models,
the messages and the channel checks share them without importing one another."""

from __future__ import annotations

BATCH_FAILED = "batch.failed"
BATCH_COMPLETED_WITH_ERRORS = "batch.completed_with_errors"
BATCH_COMPLETED = "batch.completed"
BREAKER_OPEN = "breaker.open"
LISTING_SUSPENDED = "listing.suspended"
REPORT_READY = "report.ready"  # the daily market report (workflow market_management)
ANALYTICS_ANOMALY = "analytics.anomaly"  # the analytics stream's anomaly alerts (opt-in)

# Every event kind a channel may ask for; batch.completed is opt-in (it would be noise).
EVENT_KINDS = (
    BATCH_FAILED,
    BATCH_COMPLETED_WITH_ERRORS,
    BATCH_COMPLETED,
    BREAKER_OPEN,
    LISTING_SUSPENDED,
    REPORT_READY,
    ANALYTICS_ANOMALY,
)
DEFAULT_EVENT_KINDS = (
    BATCH_FAILED,
    BATCH_COMPLETED_WITH_ERRORS,
    BREAKER_OPEN,
    LISTING_SUSPENDED,
    REPORT_READY,
)

SLACK = "slack"
EMAIL = "email"
