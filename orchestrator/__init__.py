"""The engine: durable workflows of stages over partitions.

Import the declaration API from here; it has no Django import, so workflow modules can be
imported before Django is set up. A stage is ``fn(ctx: StageContext, partition: str)`` and
returns a ``StageResult``. These names and their signatures are the public API, frozen by
``orchestrator/tests/test_public_api.py``.
"""

from .core.breaker import BreakerPolicy
from .core.items import NEVER_FAIL, ItemFailures
from .core.ratelimit import RateLimit
from .core.retry import NO_RETRY, Retry
from .core.schedule import ScheduleSpec
from .core.stage import LeaseLost, StageContext, StageResult
from .core.workflow import ALL, SINGLE_PARTITION, Resource, Stage, Workflow, registry, resource

__all__ = [
    "ALL",
    "NEVER_FAIL",
    "NO_RETRY",
    "SINGLE_PARTITION",
    "BreakerPolicy",
    "ItemFailures",
    "LeaseLost",
    "RateLimit",
    "Resource",
    "Retry",
    "ScheduleSpec",
    "Stage",
    "StageContext",
    "StageResult",
    "Workflow",
    "registry",
    "resource",
]
