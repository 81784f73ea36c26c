"""Token-bucket arithmetic for a resource's rate limit; the bucket itself lives in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RateLimit:
    """At most ``rate`` starts per ``per`` seconds, with bursts of up to ``burst`` (default: rate)."""

    rate: float
    per: float = 1.0
    burst: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.per <= 0:
            raise ValueError("RateLimit rate and per must be > 0")

    @property
    def capacity(self) -> float:
        return self.burst if self.burst is not None else self.rate

    @property
    def tokens_per_second(self) -> float:
        return self.rate / self.per


def refill(limit: RateLimit, tokens: float, last: datetime | None, now: datetime) -> float:
    """Tokens in the bucket at ``now``; a bucket never seen before starts full."""
    if last is None:
        return limit.capacity
    elapsed = max((now - last).total_seconds(), 0.0)
    return min(limit.capacity, tokens + elapsed * limit.tokens_per_second)


def seconds_until_token(limit: RateLimit, tokens: float) -> float:
    return max(0.0, (1.0 - tokens) / limit.tokens_per_second)
