"""The engine: durable workflows of stages over partitions.

Import the declaration API from here; it has no Django import, so workflow modules can be
imported before Django is set up.
"""

from .core.breaker import BreakerPolicy
from .core.items import NEVER_FAIL, ItemFailures
from .core.ratelimit import RateLimit
from .core.retry import NO_RETRY, Retry
from .core.schedule import ScheduleSpec
from .core.workflow import ALL, SINGLE_PARTITION, Resource, Stage, Workflow, registry, resource

__all__ = [
    "ALL",
    "NEVER_FAIL",
    "NO_RETRY",
    "SINGLE_PARTITION",
    "BreakerPolicy",
    "ItemFailures",
    "RateLimit",
    "Resource",
    "Retry",
    "ScheduleSpec",
    "Stage",
    "Workflow",
    "registry",
    "resource",
]
