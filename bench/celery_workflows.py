"""No-op workflows the Celery workers of ``bench/engine.py --executor celery`` import (they run
in other processes, so the workflows must be importable by name)."""

from orchestrator import Workflow

CHAIN_STAGES = 200


def noop(ctx, partition) -> None:
    return None


fanout = Workflow(
    "bench_celery_fanout",
    partitions=lambda params: [f"p{i:05d}" for i in range(int(params.get("n", 2000)))],
)
fanout.stage(noop, name="s0")

chain = Workflow("bench_celery_chain")
for _i in range(CHAIN_STAGES):
    chain.stage(noop, name=f"s{_i}", after=f"s{_i - 1}" if _i else None)
