"""Workflow definitions: stages, partitions, modes and resources, declared in plain Python.

A workflow is a DAG of stages run over partitions. Nothing here touches a database: the
engine reads these definitions and keeps all state in its own tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .breaker import BreakerPolicy
from .dag import topological_order
from .items import ItemFailures
from .ratelimit import RateLimit
from .retry import Retry

if TYPE_CHECKING:
    from .schedule import ScheduleSpec

T = TypeVar("T")

ALL = "__all__"
SINGLE_PARTITION = "-"

StageFn = Callable[..., Any]
PartitionsProvider = Sequence[str] | Callable[[Mapping[str, Any]], Iterable[str]]


@dataclass(frozen=True)
class Resource:
    """Something stages share and must not overload: a site, an API, a pool of workers.

    The values here are defaults written to the database the first time the resource is
    seen; from then on the database row is the configuration (an operator can change it).
    """

    name: str
    concurrency: int | None = None
    rate: RateLimit | None = None
    breaker: BreakerPolicy | None = field(default_factory=BreakerPolicy)


@dataclass(frozen=True)
class Stage:
    name: str
    fn: StageFn
    after: tuple[str, ...] = ()
    retry: Retry = field(default_factory=Retry)
    timeout: float | None = None
    resource: str | Callable[[str], str] | None = None
    concurrency: int | None = None
    # When the item errors a cell reports make it fail (``core.items``).
    item_failures: ItemFailures = field(default_factory=ItemFailures)

    def resource_for(self, partition: str) -> str:
        """The resource a cell of ``partition`` uses: a fixed name, or one per partition
        (e.g. ``lambda p: "site:" + p.split("/")[0]`` so each mall has its own limits)."""
        if callable(self.resource):
            return str(self.resource(partition) or "")
        return self.resource or ""


class DefinitionError(ValueError):
    """A workflow declared wrongly (unknown stage, mode or partition source); says which."""


class NoPartitions(DefinitionError):
    """Nothing to run: the workflow's partition source gave none (nothing enabled)."""


class Workflow:
    """A named DAG of stages over partitions, with modes and a version.

    ``modes`` maps a mode name to the stage names it runs (or ``ALL``); the first mode is the
    default. ``trigger`` names an event type whose emission starts a batch with the event's
    payload as params. ``schedules`` are default ``ScheduleSpec``s, written to the database
    once by ``schedules_sync`` (the rows are the configuration afterwards). ``params`` names
    the parameters its stages read (name -> one line); when declared, an operator's unknown
    key is refused with these choices instead of being silently ignored.
    """

    def __init__(
        self,
        name: str,
        *,
        partitions: PartitionsProvider | None = None,
        modes: Mapping[str, Iterable[str] | str] | None = None,
        version: str = "1",
        trigger: str | None = None,
        description: str = "",
        schedules: Iterable[ScheduleSpec] = (),
        params: Mapping[str, str] | None = None,
        register: bool = True,
    ) -> None:
        self.name = name
        self.params: dict[str, str] | None = dict(params) if params is not None else None
        self.schedules: tuple[ScheduleSpec, ...] = tuple(schedules or ())
        self.version = version
        self.trigger = trigger
        self.description = description
        self._partitions = partitions
        self._modes = dict(modes or {"full": ALL})
        self.stages: dict[str, Stage] = {}
        self._graph_cache: dict[tuple[object, ...], Any] = {}
        if register:
            registry.add(self)

    def params_unknown(self, keys: Iterable[str]) -> list[str]:
        """The keys this workflow does not read (none when it declares no ``params``)."""
        if self.params is None:
            return []
        return sorted(k for k in keys if k not in self.params)

    # -- declaring -------------------------------------------------------------------------
    def stage(
        self,
        fn: StageFn | None = None,
        *,
        name: str | None = None,
        after: StageFn | str | Iterable[StageFn | str] | None = None,
        retry: Retry | None = None,
        timeout: float | None = None,
        resource: str | Callable[[str], str] | None = None,
        concurrency: int | None = None,
        item_failures: ItemFailures | None = None,
    ) -> Callable[[StageFn], StageFn] | StageFn:
        """Decorator declaring ``fn(ctx, partition)`` as a stage of this workflow.

        ``item_failures`` says when the item errors a cell reports make it fail (default: more
        than half its items, or all of them; ``orchestrator.core.items``)."""

        def declare(f: StageFn) -> StageFn:
            stage_name = name or f.__name__
            if stage_name in self.stages:
                raise DefinitionError(f"workflow {self.name!r} already has a stage {stage_name!r}")
            upstream = tuple(_stage_name(a) for a in _as_list(after))
            for parent in upstream:
                if parent not in self.stages:
                    raise DefinitionError(
                        f"stage {stage_name!r} of {self.name!r} runs after {parent!r}, "
                        "which is not declared (declare stages in order)"
                    )
            self.stages[stage_name] = Stage(
                name=stage_name,
                fn=f,
                after=upstream,
                retry=retry or Retry(),
                timeout=timeout,
                resource=resource,
                concurrency=concurrency,
                item_failures=item_failures or ItemFailures(),
            )
            f.stage_name = stage_name  # type: ignore[attr-defined]
            return f

        return declare(fn) if fn is not None else declare

    # -- reading ---------------------------------------------------------------------------
    @property
    def modes(self) -> list[str]:
        return list(self._modes)

    @property
    def default_mode(self) -> str:
        return next(iter(self._modes))

    def deps(self) -> dict[str, tuple[str, ...]]:
        return {name: stage.after for name, stage in self.stages.items()}

    def stage_order(self) -> list[str]:
        return topological_order(self.deps())

    def stages_in_mode(self, mode: str) -> set[str]:
        if mode not in self._modes:
            raise DefinitionError(
                f"workflow {self.name!r} has no mode {mode!r} (modes: {', '.join(self._modes)})"
            )
        chosen = self._modes[mode]
        names = set(self.stages) if chosen == ALL else set(chosen)
        unknown = names - set(self.stages)
        if unknown:
            raise DefinitionError(
                f"mode {mode!r} of {self.name!r} names unknown stages {sorted(unknown)}"
            )
        return names

    def effective_deps(self, mode: str) -> dict[str, frozenset[str]]:
        """For each stage the mode runs, the stages of the mode it must wait for.

        A skipped stage is transparent: whoever runs after it waits for what it would have
        waited for, so ``collect -> convert(skipped) -> price`` still runs price after collect.
        """
        return self._cached(("waits", mode), lambda: self._effective_deps(mode))

    def children_in_mode(self, mode: str) -> dict[str, tuple[str, ...]]:
        """For each stage the mode runs, the stages that wait on it directly."""

        def build() -> dict[str, tuple[str, ...]]:
            children: dict[str, list[str]] = {name: [] for name in self.effective_deps(mode)}
            for name, ups in self.effective_deps(mode).items():
                for parent in ups:
                    children[parent].append(name)
            return {name: tuple(found) for name, found in children.items()}

        return self._cached(("children", mode), build)

    def _cached(self, key: tuple[str, str], build: Callable[[], T]) -> T:
        # Declaring a stage changes the graph: key on how many were declared so far.
        full_key = (*key, self.version, len(self.stages))
        if full_key not in self._graph_cache:
            self._graph_cache[full_key] = build()
        found: T = self._graph_cache[full_key]
        return found

    def _effective_deps(self, mode: str) -> dict[str, frozenset[str]]:
        chosen = self.stages_in_mode(mode)
        memo: dict[str, frozenset[str]] = {}

        def waits_for(name: str) -> frozenset[str]:
            if name not in memo:
                found: set[str] = set()
                for parent in self.stages[name].after:
                    found |= {parent} if parent in chosen else waits_for(parent)
                memo[name] = frozenset(found)
            return memo[name]

        return {name: waits_for(name) for name in self.stage_order() if name in chosen}

    def partitions(self, params: Mapping[str, Any]) -> list[str]:
        """The partition keys for a new batch, de-duplicated, in the provider's order."""
        provided = self._partitions
        if provided is None:
            keys: Iterable[str] = [SINGLE_PARTITION]
        elif callable(provided):
            keys = provided(params)
        else:
            keys = provided
        out = list(dict.fromkeys(str(k) for k in keys))
        if not out:
            raise NoPartitions(f"workflow {self.name!r} has no partitions to run")
        return out

    def validate(self) -> None:
        if not self.stages:
            raise DefinitionError(f"workflow {self.name!r} declares no stages")
        self.stage_order()
        for mode in self._modes:
            self.stages_in_mode(mode)

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, stages={list(self.stages)})"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str) or callable(value):
        return [value]
    return list(value)


def _stage_name(ref: StageFn | str) -> str:
    return ref if isinstance(ref, str) else getattr(ref, "stage_name", ref.__name__)


class Registry:
    """Workflows and resources known to this process, by name."""

    def __init__(self) -> None:
        self._workflows: dict[str, Workflow] = {}
        self._resources: dict[str, Resource] = {}
        self._lock = threading.Lock()

    def add(self, workflow: Workflow) -> None:
        with self._lock:
            self._workflows[workflow.name] = workflow

    def remove(self, name: str) -> None:
        with self._lock:
            self._workflows.pop(name, None)

    def get(self, name: str) -> Workflow:
        try:
            return self._workflows[name]
        except KeyError:
            known = ", ".join(sorted(self._workflows)) or "none"
            raise KeyError(f"no workflow named {name!r} (known: {known})") from None

    def workflows(self) -> list[Workflow]:
        return sorted(self._workflows.values(), key=lambda w: w.name)

    def triggered_by(self, event_type: str) -> list[Workflow]:
        return [w for w in self._workflows.values() if w.trigger == event_type]

    def add_resource(self, resource: Resource) -> Resource:
        with self._lock:
            self._resources[resource.name] = resource
        return resource

    def resource(self, name: str) -> Resource:
        return self._resources.get(name) or Resource(name)

    def resources(self) -> list[Resource]:
        return list(self._resources.values())


registry = Registry()


def resource(name: str, **kwargs: Any) -> Resource:
    """Declare a shared resource (its defaults) and return it."""
    return registry.add_resource(Resource(name, **kwargs))
