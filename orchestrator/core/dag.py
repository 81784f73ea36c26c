"""The stage graph of a workflow: order, cycle checks, and what depends on what."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class CycleError(ValueError):
    """Stages that run after each other in a circle: no order can satisfy them."""


def topological_order(deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Stages in an order where each comes after everything it runs after.

    Ties keep declaration order, so the grid reads the way the workflow was written.
    Raises ``CycleError`` naming the stages of a cycle, ``KeyError`` for an unknown stage.
    """
    for stage, upstream in deps.items():
        for name in upstream:
            if name not in deps:
                raise KeyError(f"stage {stage!r} runs after unknown stage {name!r}")
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name) :] + [name]
            raise CycleError("stages form a cycle: " + " -> ".join(cycle))
        state[name] = 1
        for upstream in deps[name]:
            visit(upstream, [*path, name])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [])
    return order


def downstream_closure(deps: Mapping[str, Iterable[str]], stage: str) -> set[str]:
    """Every stage that runs, directly or not, after ``stage``."""
    children: dict[str, set[str]] = {name: set() for name in deps}
    for name, upstream in deps.items():
        for parent in upstream:
            children[parent].add(name)
    seen: set[str] = set()
    todo = [stage]
    while todo:
        for child in children[todo.pop()]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen
