"""The public API (what ``orchestrator`` exports) is frozen: a name added, removed or whose
signature changed fails here, so the change is made on purpose (and this list updated with
it) rather than by the way. Private parameters (``_name``) are not part of it."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import orchestrator

_PLAIN = (type(None), bool, int, float, str, tuple)


def _parameters(callable_: Any) -> str:
    signature = inspect.signature(callable_)
    shown = []
    for parameter in signature.parameters.values():
        if parameter.name.startswith("_"):
            continue
        default = parameter.default
        if default is not inspect.Parameter.empty and not isinstance(default, _PLAIN):
            # A factory or an object: its type, not its repr (a logger's level is not API).
            parameter = parameter.replace(default=_Shown(type(default).__name__))
        shown.append(parameter)
    return str(signature.replace(parameters=shown))


class _Shown:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"<{self.text}>"


def _members(prefix: str, cls: type) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr, member in sorted(vars(cls).items()):
        if attr.startswith("_"):
            continue
        if isinstance(member, property):
            out[f"{prefix}.{attr}"] = "property"
        elif inspect.isfunction(member):
            out[f"{prefix}.{attr}"] = f"def{_parameters(member)}"
        elif isinstance(member, classmethod | staticmethod):
            out[f"{prefix}.{attr}"] = f"{type(member).__name__}{_parameters(member.__func__)}"
    return out


def public_api(module: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in sorted(module.__all__):
        obj = getattr(module, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            out[name] = f"exception({', '.join(b.__name__ for b in obj.__bases__)})"
        elif inspect.isclass(obj):
            out[name] = f"class{_parameters(obj)}"
            out.update(_members(name, obj))
        elif inspect.isfunction(obj):
            out[name] = f"def{_parameters(obj)}"
        elif isinstance(obj, str | int):
            out[name] = f"{type(obj).__name__} {obj!r}"
        elif type(obj).__name__ in module.__all__:
            out[name] = repr(obj)  # a preset of an exported type: its values are the API
        else:
            out[name] = f"instance of {type(obj).__name__}"
            out.update(_members(name, type(obj)))
    return out


FROZEN = {
    "ALL": "str '__all__'",
    "BreakerPolicy": "class(threshold: 'int' = 5, reset_after: 'float' = 60.0) -> None",
    "ItemFailures": (
        "class(max_share: 'float | None' = 0.5, none_succeeded: 'bool' = True, "
        "min_items: 'int' = 1) -> None"
    ),
    "ItemFailures.verdict": "def(self, items: 'int', errors: 'Mapping[str, int]') -> 'str | None'",
    "LeaseLost": "exception(Exception)",
    "NEVER_FAIL": "ItemFailures(max_share=None, none_succeeded=False, min_items=1)",
    "NO_RETRY": (
        "Retry(attempts=1, backoff='exponential', base_delay=0, max_delay=300.0, jitter=0, "
        "no_retry_on=())"
    ),
    "RateLimit": "class(rate: 'float', per: 'float' = 1.0, burst: 'float | None' = None) -> None",
    "RateLimit.capacity": "property",
    "RateLimit.tokens_per_second": "property",
    "Resource": (
        "class(name: 'str', concurrency: 'int | None' = None, rate: 'RateLimit | None' = None, "
        "breaker: 'BreakerPolicy | None' = <_HAS_DEFAULT_FACTORY_CLASS>) -> None"
    ),
    "Retry": (
        "class(attempts: 'int' = 3, backoff: \"Literal['fixed', 'exponential']\" = "
        "'exponential', base_delay: 'float' = 5.0, max_delay: 'float' = 300.0, "
        "jitter: 'float' = 0.2, no_retry_on: 'tuple[type[BaseException], ...]' = ()) -> None"
    ),
    "Retry.delay": "def(self, failures: 'int', rng: 'random.Random | None' = None) -> 'float'",
    "Retry.should_retry": "def(self, failures: 'int', error: 'BaseException | None') -> 'bool'",
    "SINGLE_PARTITION": "str '-'",
    "ScheduleSpec": (
        "class(name: 'str', cron: 'str | None' = None, every_seconds: 'int | None' = None, "
        "mode: 'str | None' = None, params: 'Mapping[str, Any]' = <_HAS_DEFAULT_FACTORY_CLASS>, "
        "time_zone: 'str | None' = None, misfire: 'str' = 'run_once', overlap: 'str' = 'skip', "
        "enabled: 'bool' = True) -> None"
    ),
    "Stage": (
        "class(name: 'str', fn: 'StageFn', after: 'tuple[str, ...]' = (), "
        "retry: 'Retry' = <_HAS_DEFAULT_FACTORY_CLASS>, timeout: 'float | None' = None, "
        "resource: 'str | Callable[[str], str] | None' = None, "
        "concurrency: 'int | None' = None, "
        "item_failures: 'ItemFailures' = <_HAS_DEFAULT_FACTORY_CLASS>) -> None"
    ),
    "Stage.resource_for": "def(self, partition: 'str') -> 'str'",
    "StageContext": (
        "class(batch_id: 'str', workflow: 'str', mode: 'str', params: 'dict[str, Any]', "
        "partition: 'str', stage: 'str', attempt: 'int', checkpoint: 'Any', "
        "deadline_at: 'datetime | None', clock: 'Clock', stage_run_id: 'int', "
        "items: 'int' = 0, "
        "log: 'logging.Logger | logging.LoggerAdapter[logging.Logger]' = <Logger>) -> None"
    ),
    "StageContext.add_items": "def(self, count: 'int' = 1) -> 'None'",
    "StageContext.correlation_id": "property",
    "StageContext.emit": (
        "def(self, event_type: 'str', payload: 'dict[str, Any] | None' = None) -> 'None'"
    ),
    "StageContext.item_failed": "def(self, reason: 'str', count: 'int' = 1) -> 'None'",
    "StageContext.save_checkpoint": "def(self, value: 'Any') -> 'None'",
    "StageContext.time_left": "def(self) -> 'float | None'",
    "StageResult": (
        "class(items: 'int | None' = None, data: 'Mapping[str, Any]' = "
        "<_HAS_DEFAULT_FACTORY_CLASS>, item_errors: 'Mapping[str, int]' = "
        "<_HAS_DEFAULT_FACTORY_CLASS>) -> None"
    ),
    "Workflow": (
        "class(name: 'str', *, partitions: 'PartitionsProvider | None' = None, "
        "modes: 'Mapping[str, Iterable[str] | str] | None' = None, version: 'str' = '1', "
        "trigger: 'str | None' = None, description: 'str' = '', "
        "schedules: 'Iterable[ScheduleSpec]' = (), params: 'Mapping[str, str] | None' = None, "
        "register: 'bool' = True) -> 'None'"
    ),
    "Workflow.children_in_mode": "def(self, mode: 'str') -> 'dict[str, tuple[str, ...]]'",
    "Workflow.default_mode": "property",
    "Workflow.deps": "def(self) -> 'dict[str, tuple[str, ...]]'",
    "Workflow.effective_deps": "def(self, mode: 'str') -> 'dict[str, frozenset[str]]'",
    "Workflow.modes": "property",
    "Workflow.params_unknown": "def(self, keys: 'Iterable[str]') -> 'list[str]'",
    "Workflow.partitions": "def(self, params: 'Mapping[str, Any]') -> 'list[str]'",
    "Workflow.stage": (
        "def(self, fn: 'StageFn | None' = None, *, name: 'str | None' = None, "
        "after: 'StageFn | str | Iterable[StageFn | str] | None' = None, "
        "retry: 'Retry | None' = None, timeout: 'float | None' = None, "
        "resource: 'str | Callable[[str], str] | None' = None, "
        "concurrency: 'int | None' = None, item_failures: 'ItemFailures | None' = None) "
        "-> 'Callable[[StageFn], StageFn] | StageFn'"
    ),
    "Workflow.stage_order": "def(self) -> 'list[str]'",
    "Workflow.stages_in_mode": "def(self, mode: 'str') -> 'set[str]'",
    "Workflow.validate": "def(self) -> 'None'",
    "registry": "instance of Registry",
    "registry.add": "def(self, workflow: 'Workflow') -> 'None'",
    "registry.add_resource": "def(self, resource: 'Resource') -> 'Resource'",
    "registry.get": "def(self, name: 'str') -> 'Workflow'",
    "registry.remove": "def(self, name: 'str') -> 'None'",
    "registry.resource": "def(self, name: 'str') -> 'Resource'",
    "registry.resources": "def(self) -> 'list[Resource]'",
    "registry.triggered_by": "def(self, event_type: 'str') -> 'list[Workflow]'",
    "registry.workflows": "def(self) -> 'list[Workflow]'",
    "resource": "def(name: 'str', **kwargs: 'Any') -> 'Resource'",
}


def test_the_public_api_is_what_was_frozen():
    assert public_api(orchestrator) == FROZEN


def test_the_public_api_needs_no_django():
    code = "import sys, orchestrator; print(sorted(m for m in sys.modules if m == 'django'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
