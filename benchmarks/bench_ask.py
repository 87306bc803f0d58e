"""Benchmark: `netral ask --json -` on 200 questions, process start included.

Prints the wall time of the whole command, the time per question, and the ratio to two
baselines measured in the same run: a bare Python start (`python -c pass`) and the engine
start alone (the same command with no questions). Run:

    .venv/bin/python benchmarks/bench_ask.py          # or: pytest -m benchmark -s
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
RUNS = 5


def questions(n: int = 200) -> str:
    items: list[str] = []
    for name in ("tuning.yaml", "tuning2.yaml", "questions.yaml"):
        items += [x["q"] for x in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))]
    return "\n".join(items[:n]) + "\n"


def timed(args: list[str], stdin: str = "") -> float:
    best = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, input=stdin, text=True, capture_output=True, check=True, cwd=ROOT)
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def main() -> None:
    ask = [sys.executable, "-m", "bot", "ask", "--json", "-"]
    python = timed([sys.executable, "-c", "pass"])
    engine = timed(ask, "")
    full = timed(ask, questions())
    per_question = (full - engine) / 200 * 1000
    print(f"python start:                 {python:6.3f} s")
    print(f"engine start (0 questions):   {engine:6.3f} s  ({engine / python:5.1f}x python start)")
    print(
        f"200 questions, start included: {full:6.3f} s  ({full / python:5.1f}x python start,"
        f" {full / engine:4.2f}x engine start)  target < 2 s"
    )
    print(f"per question after start:     {per_question:6.2f} ms")


@pytest.mark.benchmark
def test_bench_ask() -> None:
    main()


if __name__ == "__main__":
    main()
