"""Workflows for the run pages' tests: a small pipeline whose chosen cells fail."""

from __future__ import annotations

import pytest


@pytest.fixture
def pipeline(make_workflow):
    """``pipeline(partitions, fail=set_or_callable, stages=...)``: a registered workflow of
    stages run one after another over ``partitions``, ten items per cell, never retried; a
    cell fails with ``RuntimeError("boom in <partition>/<stage>")`` while ``fail`` holds it
    (a set of (partition, stage), or a callable taking both)."""
    from orchestrator import NO_RETRY

    def make(partitions, *, fail=(), stages=("collect", "convert", "price"), **kwargs):
        wf = make_workflow("pipe", partitions=list(partitions), **kwargs)
        failing = fail if callable(fail) else (lambda p, s: (p, s) in fail)

        def body(ctx, partition):
            if failing(partition, ctx.stage):
                raise RuntimeError(f"boom in {partition}/{ctx.stage}")
            return 10

        previous = None
        for name in stages:
            wf.stage(body, name=name, after=previous, retry=NO_RETRY)
            previous = name
        return wf

    return make
