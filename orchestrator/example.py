"""A small workflow that ships with the engine, to see it work: the shape of the BUYMA
pipeline (collect -> convert -> image -> price -> register over mall x brand partitions, a
``partial`` mode that skips convert and image), with stand-in stages that only count and wait.

``--param fail=okmall/NIKE:price`` makes that cell fail its first two runs (the stage's own
attempts), as a fault someone then fixes: the batch ends with the cell red, and
``yooini retry <batch>`` runs it a third time, which succeeds. ``--param fail_times=N`` sets how
many runs fail (``1``: the stage's automatic retry recovers; ``99``: every retry fails too).
"""

from __future__ import annotations

import random
import time

from . import BreakerPolicy, RateLimit, Retry, Workflow, resource

PARTITIONS = [
    f"{mall}/{brand}"
    for mall in ("okmall", "wconcept")
    for brand in ("NIKE", "ADIDAS", "NEW BALANCE", "STONE ISLAND", "MONCLER", "CP COMPANY")
]

resource("example-mall", concurrency=3, breaker=BreakerPolicy(threshold=5, reset_after=30))
resource("example-market", concurrency=2, rate=RateLimit(rate=20, per=1.0))

example = Workflow(
    "example",
    partitions=lambda params: (
        params.get("partitions", "").split(",") if params.get("partitions") else PARTITIONS
    ),
    modes={
        "full": ["collect", "convert", "image", "price", "register"],
        "partial": ["collect", "price", "register"],
    },
    version="1",
    description="A stand-in of the commerce pipeline: 12 mall/brand partitions x 5 stages.",
    params={
        "partitions": "only these partitions (okmall/NIKE[,...])",
        "delay": "seconds each stage waits (default 0.05)",
        "fail": "make this cell fail (partition:stage, e.g. okmall/NIKE:price)",
        "fail_times": "how many runs of that cell fail (default 2: a retry then succeeds)",
    },
)


FAIL_TIMES = 2  # the stages' Retry(attempts=2): the cell fails for good, a retry succeeds


def _fail_times(params: dict) -> int:
    text = str(params.get("fail_times", FAIL_TIMES))
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--param fail_times must be a whole number, not {text!r}") from None


def _work(ctx, partition: str, items: int) -> int:
    delay = float(ctx.params.get("delay", 0.05))
    if ctx.params.get("fail") == f"{partition}:{ctx.stage}" and ctx.attempt <= _fail_times(
        ctx.params
    ):
        raise RuntimeError(
            f"{ctx.stage} failed for {partition} on run {ctx.attempt} "
            f"(asked by --param fail, for the first {_fail_times(ctx.params)} runs)"
        )
    time.sleep(delay * random.uniform(0.5, 1.5))
    return items


@example.stage(resource="example-mall", retry=Retry(attempts=2, base_delay=0.2, max_delay=1))
def collect(ctx, partition):
    return _work(ctx, partition, 20 + len(partition))


@example.stage(after=collect, retry=Retry(attempts=2, base_delay=0.2, max_delay=1))
def convert(ctx, partition):
    return _work(ctx, partition, 20 + len(partition))


@example.stage(after=convert, concurrency=2, retry=Retry(attempts=2, base_delay=0.2, max_delay=1))
def image(ctx, partition):
    return _work(ctx, partition, 3 * (20 + len(partition)))


@example.stage(after=image, retry=Retry(attempts=2, base_delay=0.2, max_delay=1))
def price(ctx, partition):
    return _work(ctx, partition, 20 + len(partition))


@example.stage(
    after=price, resource="example-market", retry=Retry(attempts=2, base_delay=0.2, max_delay=1)
)
def register(ctx, partition):
    return _work(ctx, partition, 20 + len(partition))
