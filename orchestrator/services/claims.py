"""Taking ready stage runs: dependencies settled, resource and stage limits respected.

Every claim round runs in one transaction behind the ``dispatch`` lock row, so concurrency,
rate and breaker limits hold across every process and machine that shares the database
(on SQLite the IMMEDIATE transaction already serializes writers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Min, Q

from ..core import breaker as br
from ..core.ratelimit import refill, seconds_until_token
from ..core.workflow import registry
from ..execution import Claim, Outcome, StageTimeout
from ..models import Batch, BatchStatus, CellStatus, ResourceState, StageRun, lock_dispatch
from ..owners import owner_is_dead
from . import cellsql
from .events import NewEvent, events_emit
from .processes import UnknownWorkflowWarning, known_workflows
from .resources import breaker_policy_of, breaker_state_of, rate_limit_of

CLAIM_FIELDS = cellsql.READY_COLUMNS

_worker_warning = UnknownWorkflowWarning("this worker")


@dataclass
class ClaimRound:
    claims: list[Claim] = field(default_factory=list)
    next_wake: datetime | None = None

    def wake_at(self, when: datetime | None) -> None:
        if when is not None and (self.next_wake is None or when < self.next_wake):
            self.next_wake = when


def _lock_dispatch() -> None:
    lock_dispatch()


def _active_batches(batch_ids: list[str] | None) -> dict[str, Batch]:
    query = Batch.objects.filter(status=BatchStatus.RUNNING, cancel_requested=False)
    if batch_ids is not None:
        query = query.filter(id__in=batch_ids)
    return {b.id: b for b in query.only("id", "mode", "params", "settings", "workflow")}


def claims_take(
    *, batch_ids: list[str] | None, owner: str, limit: int, now: datetime, lease_seconds: float
) -> ClaimRound:
    """Take up to ``limit`` ready stage runs of the given batches (``None``: all running ones).

    Ready cells are read oldest first; a group (workflow, stage, resource) whose limits are
    reached is passed over, and when that leaves room while more cells wait, the groups beyond
    the first page are looked up too, so a saturated resource never starves the others.
    Only cells of the workflows this process knows are taken: the others wait for a process
    that knows them (``services.processes``), their last error untouched.
    """
    round_ = ClaimRound()
    if limit <= 0 or batch_ids == []:  # a server with no batch running yet
        return round_
    # With no limit to agree on, PostgreSQL claimers need no common lock: each re-checks
    # PENDING on the rows it updates and keeps only those its statement returned.
    confirm = connection.vendor == "postgresql" and _unlimited(batch_ids)
    with transaction.atomic(savepoint=False):
        if not confirm:
            _lock_dispatch()
        page = limit * 4 + 16
        known = known_workflows()
        rows = cellsql.ready_cells(batch_ids, now, page, known)
        if not rows:
            round_.wake_at(_next_retry_at(batch_ids, now))
            return round_
        groups: dict[tuple[str, str, str], list[dict]] = {}
        for row in rows:
            groups.setdefault((row["workflow"], row["stage"], row["resource"]), []).append(row)
        limits = _Limits(groups, now, round_)
        taken: list[dict] = []
        for key, members in groups.items():
            room = min(limit - len(taken), len(members), limits.room(key))
            taken += members[: max(room, 0)]
            limits.consume(key, max(room, 0))
        if len(taken) < limit and len(rows) == page:
            taken += _beyond_first_page(
                batch_ids, now, set(groups), limit - len(taken), limits, known
            )
        if not taken:
            round_.wake_at(_next_retry_at(batch_ids, now))
        round_.claims = _mark(
            taken, owner=owner, now=now, lease_seconds=lease_seconds, confirm=confirm
        )
    return round_


def _next_retry_at(batch_ids: list[str] | None, now: datetime) -> datetime | None:
    query = StageRun.objects.filter(
        status=CellStatus.PENDING, waiting_on=0, next_attempt_at__gt=now
    )
    if batch_ids is not None:
        query = query.filter(batch_id__in=batch_ids)
    return query.aggregate(m=Min("next_attempt_at"))["m"]


class _Limits:
    """Room left in each group this round: stage caps, resource concurrency, breaker, rate."""

    def __init__(self, groups, now: datetime, round_: ClaimRound) -> None:
        self.now, self.round = now, round_
        self.running: dict[tuple, int] = {}
        self.resources: dict[str, ResourceState] = {}
        self.add(groups)

    def add(self, groups) -> None:
        groups = [(w, s, r) for (w, s, r) in groups if r or _stage_cap(w, s) is not None]
        if not groups:
            return  # nothing limited: no counts to read
        keys = [{"workflow": w, "stage": s, "resource": r} for (w, s, r) in groups]
        self.running.update(_running_counts(keys))
        names = {r for (_, _, r) in groups if r and r not in self.resources}
        if names:
            self.resources.update({r.name: r for r in ResourceState.objects.filter(name__in=names)})

    def room(self, key: tuple[str, str, str]) -> int:
        workflow, stage, resource = key
        if not resource and _stage_cap(workflow, stage) is None:
            return 1 << 30
        return _stage_room(
            {"workflow": workflow, "stage": stage, "resource": resource},
            self.running,
            self.now,
            self.round,
            self.resources,
        )

    def consume(self, key: tuple[str, str, str], taken: int) -> None:
        if taken > 0:
            workflow, stage, resource = key
            group = {"workflow": workflow, "stage": stage, "resource": resource}
            _consume(group, taken, self.running, self.resources, self.now)


def _beyond_first_page(
    batch_ids, now, seen: set, room_left: int, limits: _Limits, known: list[str]
) -> list[dict]:
    ready = StageRun.objects.filter(
        status=CellStatus.PENDING, waiting_on=0, workflow__in=known
    ).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        batch__status=BatchStatus.RUNNING,
        batch__cancel_requested=False,
    )
    if batch_ids is not None:
        ready = ready.filter(batch_id__in=batch_ids)
    others = [
        (g["workflow"], g["stage"], g["resource"])
        for g in ready.values("workflow", "stage", "resource").annotate(n=Count("id")).order_by()
    ]
    others = [key for key in others if key not in seen]
    limits.add(others)
    taken: list[dict] = []
    for key in others:
        room = min(room_left - len(taken), limits.room(key))
        if room <= 0:
            continue
        ids = list(
            ready.filter(workflow=key[0], stage=key[1], resource=key[2])
            .order_by("id")
            .values_list("id", flat=True)[:room]
        )
        taken += [r for r in _rows_by_id(ids)]
        limits.consume(key, len(ids))
    return taken


def _rows_by_id(ids: list[int]) -> list[dict]:
    if not ids:
        return []
    rows = StageRun.objects.filter(id__in=ids).select_related("batch").order_by("id")
    return [
        {
            **{c: getattr(r, c) for c in CLAIM_FIELDS},
            "mode": r.batch.mode,
            "params": r.batch.params,
            "settings": r.batch.settings,
        }
        for r in rows
    ]


def _mark(
    taken: list[dict], *, owner: str, now: datetime, lease_seconds: float, confirm: bool = False
) -> list[Claim]:
    """Mark the taken cells RUNNING for ``owner`` and return their claims."""
    by_deadline: dict[datetime | None, list[dict]] = {}
    for row in taken:
        by_deadline.setdefault(_deadline(row, now), []).append(row)
    lease_until = now + timedelta(seconds=lease_seconds)
    claims = []
    for deadline, rows in by_deadline.items():
        got = cellsql.mark_running(
            [r["id"] for r in rows],
            owner=owner,
            now=now,
            lease_until=lease_until,
            deadline=deadline,
            confirm=confirm,
        )
        for row in rows:
            if got is None:
                attempt = row["attempt"] + 1
            elif row["id"] in got:
                attempt = got[row["id"]]
            else:
                continue
            claims.append(
                _claim_of(
                    row, row["mode"], row["params"], attempt, deadline, owner, row["settings"]
                )
            )
    return sorted(claims, key=lambda c: c.stage_run_id)


_batch_workflow: dict[str, str] = {}


def _unlimited(batch_ids: list[str] | None) -> bool:
    """True when no stage of these batches' workflows uses a resource or a cap."""
    if batch_ids is None:
        return False
    missing = [b for b in batch_ids if b not in _batch_workflow]
    if missing:
        if len(_batch_workflow) > 10000:
            _batch_workflow.clear()
        _batch_workflow.update(Batch.objects.filter(id__in=missing).values_list("id", "workflow"))
    for batch_id in batch_ids:
        try:
            stages = registry.get(_batch_workflow.get(batch_id, "")).stages.values()
        except KeyError:
            return False
        if any(stage.resource or stage.concurrency is not None for stage in stages):
            return False
    return True


def _running_counts(groups: list[dict]) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    stages = {(g["workflow"], g["stage"]) for g in groups}
    names = {g["resource"] for g in groups if g["resource"]}
    running = StageRun.objects.filter(status=CellStatus.RUNNING)
    if names:
        by_resource = running.filter(resource__in=names).values("resource").annotate(n=Count("id"))
        for row in by_resource.order_by():
            counts[("resource", row["resource"])] = row["n"]
    for workflow, stage in stages:
        cap = _stage_cap(workflow, stage)
        if cap is not None:
            counts[("stage", workflow, stage)] = running.filter(
                workflow=workflow, stage=stage
            ).count()
    return counts


def _stage_cap(workflow: str, stage: str) -> int | None:
    try:
        definition = registry.get(workflow).stages.get(stage)
    except KeyError:
        return None
    return definition.concurrency if definition else None


def _stage_timeout(workflow: str, stage: str) -> float | None:
    try:
        definition = registry.get(workflow).stages.get(stage)
    except KeyError:
        return None
    return definition.timeout if definition else None


def _deadline(row: dict, now: datetime) -> datetime | None:
    """When a run of this cell's stage started ``now`` times out (None: no timeout)."""
    timeout = _stage_timeout(row["workflow"], row["stage"])
    return now + timedelta(seconds=timeout) if timeout else None


def _held_by(owner: str, now: datetime, lease_seconds: float, deadline: datetime | None) -> dict:
    """The fields of a stage run that ``owner`` starts holding ``now``."""
    return {
        "lease_owner": owner,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "started_at": now,
        "updated_at": now,
        "deadline_at": deadline,
    }


def _stage_room(
    group: dict, running: dict, now: datetime, round_: ClaimRound, resources: dict
) -> int:
    """How many of this group may start now, and when more could (into ``round_``)."""
    room = 1 << 30
    cap = _stage_cap(group["workflow"], group["stage"])
    if cap is not None:
        room = min(room, cap - running.get(("stage", group["workflow"], group["stage"]), 0))
    row = resources.get(group["resource"])
    if row is None:
        return room
    busy = running.get(("resource", row.name), 0)
    if row.concurrency is not None:
        room = min(room, row.concurrency - busy)
    policy = breaker_policy_of(row)
    if policy is not None:
        state = breaker_state_of(row)
        room = min(room, br.allows(state, policy, now, busy))
        round_.wake_at(br.reopens_at(state, policy))
    limit = rate_limit_of(row)
    if limit is not None:
        tokens = refill(limit, row.tokens, row.tokens_at, now)
        room = min(room, int(tokens))
        if tokens < 1:
            round_.wake_at(now + timedelta(seconds=seconds_until_token(limit, tokens)))
    return room


def _consume(group: dict, taken: int, running: dict, resources: dict, now: datetime) -> None:
    key = ("stage", group["workflow"], group["stage"])
    if key in running:
        running[key] += taken
    row = resources.get(group["resource"])
    if row is None:
        return
    running[("resource", row.name)] = running.get(("resource", row.name), 0) + taken
    limit = rate_limit_of(row)
    if limit is not None:
        row.tokens = refill(limit, row.tokens, row.tokens_at, now) - taken
        row.tokens_at = now
        ResourceState.objects.filter(name=row.name).update(tokens=row.tokens, tokens_at=now)


def _claim_of(
    row: dict,
    mode: str,
    params: dict,
    attempt: int,
    deadline: datetime | None,
    owner: str = "",
    settings: dict | None = None,
) -> Claim:
    return Claim(
        stage_run_id=row["id"],
        attempt=attempt,
        failures=row["failures"],
        batch_id=row["batch_id"],
        workflow=row["workflow"],
        mode=mode,
        params=params,
        partition=row["partition"],
        stage=row["stage"],
        resource=row["resource"],
        checkpoint=row["checkpoint"],
        deadline_at=deadline,
        owner=owner,
        settings=settings or {},
    )


def claims_recover(
    *, batch_ids: list[str] | None, owner: str, now: datetime, lease_seconds: float
) -> list[Claim]:
    """Fail stage runs past their deadline and take over those whose holder is gone.

    Returns the claims taken over, to be run again by the caller.
    """
    from .outcomes import outcomes_record

    taken: list[Claim] = []
    with transaction.atomic():
        _lock_dispatch()
        batches = _active_batches(batch_ids)
        if not batches:
            return []
        # a cell of a workflow unknown here is left to a process that knows it, which can
        # time it out or take it over with the right retry policy
        running = StageRun.objects.filter(
            batch_id__in=list(batches),
            status=CellStatus.RUNNING,
            workflow__in=known_workflows(),
        )
        timed_out = [
            _claim_of(
                r,
                batches[r["batch_id"]].mode,
                batches[r["batch_id"]].params,
                r["attempt"],
                None,
                settings=batches[r["batch_id"]].settings,
            )
            for r in running.filter(deadline_at__lt=now).values(*CLAIM_FIELDS)
        ]
        outcomes_record(
            [
                Outcome(
                    claim=c,
                    ok=False,
                    error=f"StageTimeout: stage {c.stage!r} ran past its timeout",
                    error_type=StageTimeout.__name__,
                )
                for c in timed_out
            ],
            now=now,
        )
        owners = set(
            running.exclude(lease_owner=owner).values_list("lease_owner", flat=True).distinct()
        )
        dead = [o for o in owners if owner_is_dead(o)]
        lost = running.filter(Q(lease_expires_at__lt=now) | Q(lease_owner__in=dead))
        events = []
        for row in lost.values(*CLAIM_FIELDS, "lease_owner"):
            deadline = _deadline(row, now)
            updated = StageRun.objects.filter(
                id=row["id"], attempt=row["attempt"], status=CellStatus.RUNNING
            ).update(attempt=F("attempt") + 1, **_held_by(owner, now, lease_seconds, deadline))
            if not updated:
                continue
            batch = batches[row["batch_id"]]
            taken.append(
                _claim_of(
                    row,
                    batch.mode,
                    batch.params,
                    row["attempt"] + 1,
                    deadline,
                    owner,
                    batch.settings,
                )
            )
            payload = {
                "partition": row["partition"],
                "stage": row["stage"],
                "attempt": row["attempt"],
                "holder": row["lease_owner"],
            }
            events.append(NewEvent("stage.lease_expired", payload, correlation_id=row["batch_id"]))
        events_emit(events)
    return taken


def claim_adopt(
    stage_run_id: int,
    attempt: int,
    queued_by: str,
    *,
    owner: str,
    now: datetime,
    lease_seconds: float,
) -> Claim | None:
    """Take over, for a worker, the stage run a dispatcher claimed and queued for it.

    Only the queued attempt, only while its dispatcher still holds it: a task redelivered after
    the run is DONE, retried, taken over or adopted by another worker gets ``None`` and does
    nothing. A queued run whose batch is being cancelled is handed back to PENDING instead.
    """
    queued = StageRun.objects.filter(
        id=stage_run_id, attempt=attempt, status=CellStatus.RUNNING, lease_owner=queued_by
    )
    row = queued.values(
        *CLAIM_FIELDS,
        "batch__mode",
        "batch__params",
        "batch__settings",
        "batch__cancel_requested",
    ).first()
    if row is None or not queued_by:
        return None
    if row["workflow"] not in known_workflows():
        _worker_warning.warn({row["workflow"]})
        return None  # queued by a dispatcher that knows it: resent to another worker later
    if row["batch__cancel_requested"]:
        queued.update(status=CellStatus.PENDING, updated_at=now, **cellsql.CLEAR_LEASE)
        return None
    deadline = _deadline(row, now)
    if not queued.update(**_held_by(owner, now, lease_seconds, deadline)):
        return None
    return _claim_of(
        row,
        row["batch__mode"],
        row["batch__params"],
        attempt,
        deadline,
        owner,
        row["batch__settings"],
    )
