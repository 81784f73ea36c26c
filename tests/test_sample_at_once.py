"""Two first-time ``yooini sample`` at once, in one var directory: one runs, the other says
another is running (no traceback, no shared server or batch, no half-made configuration)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.sample_run import SampleBusy, sample_lock

YOOINI = str(Path(sys.executable).with_name("yooini"))


def test_the_sample_lock_is_held_by_one_at_a_time(tmp_path):
    with (
        sample_lock(tmp_path / "sample"),
        pytest.raises(SampleBusy, match="another `yooini sample` is running"),
        sample_lock(tmp_path / "sample"),
    ):
        pass
    with sample_lock(tmp_path / "sample"):  # released at the end of the run
        pass


def test_two_first_time_samples_at_once_one_runs_the_other_is_told(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "YOOINI_VAR_DIR": str(tmp_path)}
    subprocess.run([YOOINI, "migrate", "-v0"], env=env, cwd=tmp_path, check=True, timeout=120)
    command = [YOOINI, "sample", "--products", "12", "--quiet"]
    runs = [
        subprocess.Popen(
            command,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = sorted((*run.communicate(timeout=180), run.returncode)[::-1] for run in runs)
    (ok, ok_err, _), (refused, refused_err, _) = outcomes
    assert ok == 0, ok_err[-2000:]
    assert refused == 1 and "another `yooini sample` is running" in refused_err
    assert "Traceback" not in ok_err + refused_err
