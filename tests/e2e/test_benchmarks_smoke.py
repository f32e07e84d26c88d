"""`make bench` at a tiny size, so that the benchmarks cannot rot: every part runs on SQLite and writes its figures.

The figures themselves are not checked (a test never asserts wall time); what is checked is that every part ran,
that the relay delivered everything, that the bot kept within Telegram's limits, and that nothing was lost to the
SIGKILL of the crash run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_benchmarks_run_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "BENCH_VAR_DIR": str(tmp_path / "bench"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks", "--tiny", "--db", "sqlite", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "figure" in done.stdout and str(out) in done.stdout, done.stdout

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["machine"]["cores"] >= 1
    parts = [results["relay"]["echo"], results["relay"]["sqlite"], results["limits"]["burst"]]
    parts += [results["limits"]["broadcast"], results["scale"]["sqlite"], results["crashes"]["sqlite"]]
    assert [part for part in parts if "error" in part] == [], done.stderr[-4000:]
    for bot in ("echo", "sqlite"):
        burst = results["relay"][bot]["throughput"]
        assert burst["arrived"] == burst["messages"], (bot, burst)
    assert results["limits"]["burst"]["too_many_requests"] == 0
    assert results["limits"]["broadcast"]["delivered"] == results["limits"]["broadcast"]["subscribers"]
    assert results["scale"]["sqlite"]["purge"]["exit"] == 0
    crash = results["crashes"]["sqlite"]
    assert crash["lost"] == 0, crash
    assert crash["duplicated"] <= crash["kills"], crash
    assert {t["what"] for t in results["targets"]} >= {"messages lost to SIGKILL, sqlite", "burst of young people"}
