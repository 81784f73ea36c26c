"""Workflows for the chaos and scale tests, run in a subprocess by ``yooini run``.

The subprocess finds them through ``YOOINI_WORKFLOW_MODULES=orchestrator.tests.chaos.workflows``.
Every stage body leaves a trace in a side-effect log (param ``log``), one line when it starts
and one when it ends::

    <partition>|<stage>|<attempt>|start
    <partition>|<stage>|<attempt>|end

Each line is one ``write`` on an ``O_APPEND`` descriptor followed by ``fsync``, so lines from
concurrent threads never interleave and every line written before a SIGKILL is still there
afterwards: the log is the ground truth of what really ran, to compare with the database.

Params (all strings, as given by ``--param``):

- ``partitions``: how many partitions (default 30), named ``p0000``, ``p0001``, ...
- ``log``: the side-effect log path; without it nothing is written (scale runs).
- ``sleep``: seconds between ``start`` and ``end`` (default 0.05): the body's "work".
- ``linger``: seconds after ``end`` before returning (default 0): widens the window where
  the work is done but the engine has not recorded it yet.
- ``pids``: when set, each line ends with ``|<pid>`` of the process that ran the body (which
  worker ran what, in the distributed tests).
"""

from __future__ import annotations

import os
import time

from orchestrator import NO_RETRY, RateLimit, Workflow, resource

STAGES = ("fetch", "parse", "store")
PACE = "chaos-pace"
SOLO = "chaos-solo"

# ``chaos_paced`` shares one slow resource: 8 stage starts a second, one at a time, so the
# runner spends most of its time idle between a stage's end and the next stage's claim.
resource(PACE, rate=RateLimit(rate=8, per=1.0, burst=1), breaker=None)
# ``chaos_solo`` shares one resource that allows one stage run at a time, on any worker.
resource(SOLO, concurrency=1, breaker=None)


def partition_keys(params) -> list[str]:
    return [f"p{i:04d}" for i in range(int(params.get("partitions", 30)))]


def trace(path: str, line: str) -> None:
    """Append one line durably (survives SIGKILL of this process right after)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def body(ctx, partition: str) -> int:
    log = ctx.params.get("log")
    cell = f"{partition}|{ctx.stage}|{ctx.attempt}"
    who = f"|{os.getpid()}" if ctx.params.get("pids") else ""
    if log:
        trace(log, f"{cell}|start{who}")
    time.sleep(float(ctx.params.get("sleep", 0.05)))
    if log:
        trace(log, f"{cell}|end{who}")
    linger = float(ctx.params.get("linger", 0))
    if linger:
        time.sleep(linger)
    return 1


def declare(name: str, *, resource_name: str | None = None) -> Workflow:
    """fetch -> parse -> store over ``partition_keys``; no retries, so a cell runs again only
    when the engine takes it over from a dead runner."""
    workflow = Workflow(name, partitions=partition_keys, description="chaos test workflow")
    previous = None
    for stage in STAGES:
        workflow.stage(body, name=stage, after=previous, retry=NO_RETRY, resource=resource_name)
        previous = stage
    return workflow


chaos = declare("chaos")
chaos_paced = declare("chaos_paced", resource_name=PACE)
chaos_solo = declare("chaos_solo", resource_name=SOLO)
