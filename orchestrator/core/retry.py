"""Retry policies: how many attempts, how long to wait between them, what is never retried."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Retry:
    """``attempts`` counts every try, the first included: ``Retry(attempts=1)`` never retries.

    The delay before retry ``n`` (1-based) is ``base_delay`` (fixed) or
    ``base_delay * 2 ** (n - 1)`` (exponential), capped at ``max_delay``; with ``jitter`` a
    random share of up to that fraction is taken off, so failing partitions do not retry in
    lockstep against the same site.
    """

    attempts: int = 3
    backoff: Literal["fixed", "exponential"] = "exponential"
    base_delay: float = 5.0
    max_delay: float = 300.0
    jitter: float = 0.2
    no_retry_on: tuple[type[BaseException], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"Retry.attempts must be >= 1, got {self.attempts}")
        if self.backoff not in ("fixed", "exponential"):
            raise ValueError(
                f"Retry.backoff must be 'fixed' or 'exponential', got {self.backoff!r}"
            )
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"Retry.jitter must be within [0, 1], got {self.jitter}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("Retry delays must be >= 0")

    def should_retry(self, failures: int, error: BaseException | None) -> bool:
        """Whether another attempt follows after ``failures`` failed attempts."""
        if error is not None and isinstance(error, self.no_retry_on):
            return False
        return failures < self.attempts

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before the attempt that follows ``failures`` failures."""
        n = max(failures, 1)
        raw = self.base_delay if self.backoff == "fixed" else self.base_delay * 2 ** (n - 1)
        capped = min(raw, self.max_delay)
        if self.jitter:
            capped -= capped * self.jitter * (rng or random).random()
        return capped


NO_RETRY = Retry(attempts=1, base_delay=0, jitter=0)
