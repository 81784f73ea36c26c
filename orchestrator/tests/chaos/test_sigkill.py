"""SIGKILL the real CLI at chosen moments, run it again, and check what really ran.

Each test starts ``yooini run`` (threads executor) in a subprocess on the test database and
kills it with SIGKILL: inside stage bodies, between stages, around the commit of a result,
at random delays. After each kill it photographs the database (each cell's status and
attempt) and remembers how long the side-effect log was. Then it runs the same command again
until it exits 0 and compares the log (the ground truth of what ran) with the photographs:

- the batch is COMPLETED and every cell DONE;
- a cell DONE at a kill never ran again, and its work had ended before the kill;
- a cell PENDING at a kill (or not yet created) had not started before it;
- a cell never RUNNING at a kill ran exactly once;
- a cell RUNNING at kills ran at most once more per such kill, each execution under its own
  attempt number, and the result recorded is the one of the last attempt.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchestrator.models import Batch, BatchStatus, CellStatus, StageRun
from orchestrator.tests.chaos import ROOT, cli_env, run_command
from orchestrator.tests.chaos.workflows import STAGES

TIMEOUT = 60  # seconds any one subprocess may take, and any one wait for a moment to kill
POLL = 0.002  # seconds between looks at the log / the database while waiting to kill

Cell = tuple[str, str]  # (partition, stage)


# -- reading the side-effect log and the database -----------------------------------------


@dataclass(frozen=True)
class Line:
    partition: str
    stage: str
    attempt: int
    kind: str  # "start" or "end"

    @property
    def cell(self) -> Cell:
        return (self.partition, self.stage)


def read_log(path: Path) -> list[Line]:
    if not path.exists():
        return []
    lines = []
    for text in path.read_text().splitlines():
        partition, stage, attempt, kind = text.split("|")  # a torn line fails loudly here
        assert kind in ("start", "end"), text
        lines.append(Line(partition, stage, int(attempt), kind))
    return lines


def count(lines: list[Line], kind: str) -> int:
    return sum(1 for line in lines if line.kind == kind)


@dataclass(frozen=True)
class CellState:
    status: str
    attempt: int


def read_cells(workflow: str) -> dict[Cell, CellState]:
    """Every cell of the workflow's batch (the test database holds at most one)."""
    assert Batch.objects.filter(workflow=workflow).count() <= 1
    rows = StageRun.objects.filter(workflow=workflow).values_list(
        "partition", "stage", "status", "attempt"
    )
    return {(p, s): CellState(status, attempt) for p, s, status, attempt in rows}


def statuses(cells: dict[Cell, CellState]) -> Counter:
    return Counter(state.status for state in cells.values())


# -- one chaos scenario: runs, kills, and the final check ---------------------------------


@dataclass
class Kill:
    why: str
    cells: dict[Cell, CellState]  # the database right after the runner died
    log_length: int  # lines in the side-effect log at that moment
    batch_status: str | None  # None: the batch did not exist yet

    def status_of(self, cell: Cell) -> str:
        state = self.cells.get(cell)
        return state.status if state else "ABSENT"  # the batch did not exist yet


@dataclass
class Chaos:
    """Runs of one workflow against the test database, with SIGKILLs in between."""

    workdir: Path
    workflow: str = "chaos"
    partitions: int = 30
    params: dict[str, object] = field(default_factory=dict)
    concurrency: int = 4
    kills: list[Kill] = field(default_factory=list)
    reruns: int = 0
    _procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return self.workdir / "effects.log"

    def command(self) -> list[str]:
        params = {"partitions": self.partitions, "log": self.log, "sleep": 0.1, **self.params}
        return run_command(self.workflow, params, concurrency=self.concurrency)

    def output(self) -> str:
        return (self.workdir / "cli.out").read_text(errors="replace")[-4000:]

    # running ------------------------------------------------------------------------------
    def start(self) -> subprocess.Popen:
        out = open(self.workdir / "cli.out", "ab")  # noqa: SIM115 - the child owns it
        proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=cli_env(), stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        self._procs.append(proc)
        return proc

    def wait_until(self, proc: subprocess.Popen, moment: Callable[[], bool], what: str) -> None:
        """Poll until ``moment()`` is true while the runner is still alive."""
        deadline = time.monotonic() + TIMEOUT
        while not moment():
            if proc.poll() is not None:
                pytest.fail(f"the run exited ({proc.returncode}) before {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {TIMEOUT}s:\n{self.output()}")
            time.sleep(POLL)

    def kill(self, proc: subprocess.Popen, why: str) -> Kill:
        """SIGKILL the runner, wait for it to be gone, and photograph what it left."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
        if proc.returncode != -signal.SIGKILL:
            # It exited by itself just before the signal (only a random delay can land there);
            # ``batch_status`` then says COMPLETED and the caller stops.
            why += f", but it had exited {proc.returncode} already"
        batch = Batch.objects.filter(workflow=self.workflow).first()
        kill = Kill(
            why,
            read_cells(self.workflow),
            len(read_log(self.log)),
            batch.status if batch else None,
        )
        self.kills.append(kill)
        print(
            f"kill {len(self.kills)} ({why}): batch {kill.batch_status}, "
            f"cells {dict(statuses(kill.cells))}, log {kill.log_length} lines"
        )
        return kill

    def run_to_completion(self) -> None:
        """Run the same command again until it exits 0 (a bounded number of times)."""
        for _ in range(3):
            self.reruns += 1
            proc = self.start()
            try:
                code = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                pytest.fail(f"a rerun took more than {TIMEOUT}s:\n{self.output()}")
            if code == 0:
                return
            batch = Batch.objects.filter(workflow=self.workflow).first()
            # A finished batch is not resumed (a new one would start): exiting non-zero then
            # means the batch itself ended badly, so stop and show why.
            if batch is not None and batch.status != BatchStatus.RUNNING:
                pytest.fail(f"rerun exited {code}, batch {batch.status}:\n{self.output()}")
        pytest.fail(f"still no exit 0 after {self.reruns} reruns:\n{self.output()}")

    def stop_leftovers(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)

    # checking -----------------------------------------------------------------------------
    def check(self) -> dict[Cell, list[Line]]:
        """Assert the guarantees of the module docstring; returns the lines of each cell."""
        batch = Batch.objects.get(workflow=self.workflow)
        assert batch.status == BatchStatus.COMPLETED, self.output()
        final = read_cells(self.workflow)
        assert len(final) == self.partitions * len(STAGES)
        assert statuses(final) == {CellStatus.DONE: len(final)}

        log = read_log(self.log)
        by_cell: dict[Cell, list[tuple[int, Line]]] = {cell: [] for cell in final}
        for position, line in enumerate(log):
            by_cell[line.cell].append((position, line))

        for cell, state in final.items():
            lines = [line for _, line in by_cell[cell]]
            starts = [line.attempt for line in lines if line.kind == "start"]
            ends = [line.attempt for line in lines if line.kind == "end"]
            caught_running = [k for k in self.kills if k.status_of(cell) == CellStatus.RUNNING]
            about = f"{cell}: lines {lines}, kills {[k.status_of(cell) for k in self.kills]}"

            # Every execution ran under its own attempt (the fencing token) and ended at most
            # once; the attempt the database recorded is one that really reached its end.
            assert len(set(starts)) == len(starts), about
            assert Counter(ends) <= Counter(starts), about
            assert state.attempt in ends, about
            # Once, plus at most once more for each kill that caught it RUNNING.
            assert 1 <= len(starts) <= state.attempt <= 1 + len(caught_running), about
            if not caught_running:
                assert starts == ends == [1], about

            for kill in self.kills:
                status = kill.status_of(cell)
                before = [line for position, line in by_cell[cell] if position < kill.log_length]
                after = [line for position, line in by_cell[cell] if position >= kill.log_length]
                if status == CellStatus.DONE:
                    # Recorded DONE only after its work ended, and never executed again.
                    ended = kill.cells[cell].attempt
                    assert any(line.kind == "end" and line.attempt == ended for line in before), (
                        about
                    )
                    assert after == [], about
                elif status in (CellStatus.PENDING, "ABSENT"):
                    assert before == [], about  # nothing runs before it is claimed
        return {cell: [line for _, line in lines] for cell, lines in by_cell.items()}


@pytest.fixture
def chaos(tmp_path, transactional_db):
    """A ``Chaos`` factory; any runner still alive at the end of the test is killed."""
    made: list[Chaos] = []

    def make(**kwargs) -> Chaos:
        made.append(Chaos(tmp_path / f"run{len(made)}", **kwargs))
        made[-1].workdir.mkdir()
        return made[-1]

    yield make
    for scenario in made:
        scenario.stop_leftovers()


def reran(lines: dict[Cell, list[Line]]) -> list[Cell]:
    return sorted(cell for cell, cell_lines in lines.items() if count(cell_lines, "start") > 1)


# -- the moments ------------------------------------------------------------------------------


@pytest.mark.chaos
@pytest.mark.parametrize("started", [1, 45])
def test_kill_inside_a_stage(chaos, started):
    """Killed while stage bodies are between ``start`` and ``end``: those cells run again,
    nothing else does."""
    run = chaos()
    proc = run.start()

    def inside_stages() -> bool:
        lines = read_log(run.log)
        return count(lines, "start") >= started and count(lines, "start") > count(lines, "end")

    run.wait_until(proc, inside_stages, f"{started} stage starts with one still running")
    kill = run.kill(proc, f"inside a stage after {started} starts")
    assert statuses(kill.cells)[CellStatus.RUNNING] >= 1

    run.run_to_completion()
    lines = run.check()
    assert reran(lines), "a cell interrupted mid-stage must have run again"
    assert run.reruns == 1


@pytest.mark.chaos
def test_kill_again_while_a_taken_over_cell_runs(chaos):
    """The rerun takes over the dead runner's cells (attempt 2); killing it while such a cell
    runs means attempt 3 for that cell, and still no double run of anything else."""
    run = chaos()
    proc = run.start()
    run.wait_until(proc, lambda: count(read_log(run.log), "start") >= 20, "20 stage starts")
    run.kill(proc, "inside stages")

    proc = run.start()

    def taken_over_cell_running() -> bool:
        lines = read_log(run.log)
        started = {line.cell for line in lines if line.kind == "start" and line.attempt == 2}
        ended = {line.cell for line in lines if line.kind == "end" and line.attempt == 2}
        return bool(started - ended)

    run.wait_until(proc, taken_over_cell_running, "a taken-over cell in its stage")
    kill = run.kill(proc, "while a taken-over cell runs")
    assert any(state.attempt == 2 for state in kill.cells.values() if state.status == "RUNNING")

    run.run_to_completion()
    lines = run.check()
    assert any(count(cell_lines, "start") == 3 for cell_lines in lines.values())


@pytest.mark.chaos
def test_kill_between_stages(chaos):
    """Killed while no stage runs at all: a stage finished and recorded, the next one of the
    same partition ready but not claimed yet. Nothing may run twice.

    ``chaos_paced`` puts every stage on a resource allowing 8 starts a second, one at a
    time, so the runner spends most of its time idle in exactly that gap.
    """
    run = chaos(workflow="chaos_paced", partitions=10, params={"sleep": 0.02})
    proc = run.start()

    def between_stages() -> bool:
        cells = read_cells(run.workflow)
        counts = statuses(cells)
        if counts[CellStatus.RUNNING] or counts[CellStatus.DONE] < 6:
            return False
        order = {stage: i for i, stage in enumerate(STAGES)}
        return any(
            state.status == CellStatus.PENDING
            and order[stage] > 0
            and cells[(partition, STAGES[order[stage] - 1])].status == CellStatus.DONE
            for (partition, stage), state in cells.items()
        )

    run.wait_until(proc, between_stages, "an idle gap between two stages")
    kill = run.kill(proc, "between stages")
    # A claim may slip in between the look and the kill; the check below holds either way.
    print(f"RUNNING at the kill: {statuses(kill.cells)[CellStatus.RUNNING]} (expected 0)")

    run.run_to_completion()
    lines = run.check()
    running = {c for c, s in kill.cells.items() if s.status == CellStatus.RUNNING}
    assert set(reran(lines)) <= running


@pytest.mark.chaos
def test_kill_after_the_work_ended_but_before_the_result_is_recorded(chaos):
    """Killed after a stage body wrote ``end`` but before its result was committed: the
    database still says RUNNING, so the work is done once more (at-least-once), under a new
    attempt, and that second result is the one recorded.

    ``linger`` keeps each body alive 0.5 s after its ``end`` line to make the window sure
    (fewer partitions, as every cell now takes 0.6 s).
    """
    run = chaos(partitions=12, params={"linger": 0.5})
    proc = run.start()
    run.wait_until(proc, lambda: count(read_log(run.log), "end") >= 10, "10 stage ends")
    kill = run.kill(proc, "after an end line, before the commit")
    ended = [line for line in read_log(run.log)[: kill.log_length] if line.kind == "end"]
    last = ended[-1]
    assert kill.cells[last.cell] == CellState(CellStatus.RUNNING, last.attempt)

    run.run_to_completion()
    lines = run.check()
    assert [line.attempt for line in lines[last.cell] if line.kind == "end"] == [
        last.attempt,
        last.attempt + 1,
    ]


@pytest.mark.chaos
def test_kill_right_after_results_are_committed(chaos):
    """Killed the moment the database shows results committed: those cells are DONE and
    must never run again."""
    run = chaos()
    proc = run.start()

    def committed() -> bool:
        return StageRun.objects.filter(workflow=run.workflow, status=CellStatus.DONE).count() >= 15

    run.wait_until(proc, committed, "15 committed results")
    kill = run.kill(proc, "right after a commit")
    done = {cell for cell, state in kill.cells.items() if state.status == CellStatus.DONE}
    assert len(done) >= 15

    run.run_to_completion()
    lines = run.check()
    for cell in done:
        assert count(lines[cell], "start") == count(lines[cell], "end") == 1


@pytest.mark.chaos
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_at_random_moments(chaos, seed):
    """Three runs killed at random delays after they start (before the batch exists, while
    it is being created, while claiming, running or recording), then one run to the end."""
    rng = random.Random(seed)
    run = chaos()
    finished = False
    for _ in range(3):
        delay = rng.uniform(0.3, 2.5)
        proc = run.start()
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            kill = run.kill(proc, f"after {delay:.2f}s (seed {seed})")
            if kill.batch_status == BatchStatus.COMPLETED:
                # Killed after it closed the batch (while printing the summary): the work is
                # complete, and ``run`` would now start a second batch, so stop here.
                finished = True
                break
        else:
            # Little was left after the previous kill: this run finished first. Running the
            # command again now would start a second batch, so stop here.
            print(f"seed {seed}: the run finished before {delay:.2f}s (exit {proc.returncode})")
            assert proc.returncode == 0, run.output()
            finished = True
            break
    if not finished:
        run.run_to_completion()
    lines = run.check()
    print(f"seed {seed}: {len(run.kills)} kills, cells run more than once: {len(reran(lines))}")
