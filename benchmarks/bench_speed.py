"""Benchmark: speed and memory of the matcher (issue 8). Prints figures; asserts none.

1. ``netral ask --json -`` on 2,000 questions in one process: start-up (loading the
   knowledge base, the stem cache and the learned model; with an empty cache folder, i.e.
   training, and with a warm one) and the mean time per question after start.
2. A synthetic knowledge base ten times larger (every entry copied ten times with its
   phrasings varied: about 400 entries): build time, then p50 / p99 / max per question.
3. Resident memory (peak RSS) of the ``netral ask`` process and of a process holding the
   engine with the Telegram side imported, as the bot holds it.

Run: ``.venv/bin/python benchmarks/bench_speed.py`` or ``pytest -m benchmark -s
benchmarks/bench_speed.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
N_QUESTIONS = 2000
COPIES = 10


def questions(n: int = N_QUESTIONS) -> list[str]:
    """n questions from the tuning sets (held-out sets are left alone), cycled."""
    items: list[str] = []
    for name in ("tuning.yaml", "tuning2.yaml", "tuning3.yaml"):
        items += [x["q"] for x in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))]
    items = [" ".join(q.split()) for q in items if q.strip()]
    return [items[i % len(items)] for i in range(n)]


def run_ask(stdin: str, cache: str) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one `netral ask --json -` process."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run([sys.executable, '-m', 'bot', 'ask', '--json', '-'],"
        " input=sys.stdin.read(), text=True, capture_output=True, check=True)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    env = {**os.environ, "NETRAL_CACHE_DIR": cache}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        text=True,
        capture_output=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout.split()
    return float(out[0]), int(out[1])


def bot_process_rss(cache: str, train: bool = False) -> int:
    """Peak RSS (KiB) of a process that imports the Telegram side and builds the engine
    (``train``: with an empty cache, its models trained in child processes as the bot
    trains them; the children's memory is not counted)."""
    code = (
        "import resource\n"
        "import bot.tg.app, bot.querylog\n"
        "from bot import modelcache, stemcache, trainer\n"
        f"{'trainer.enable()' if train else ''}\n"
        "from bot.core.engine import Engine\n"
        "from bot.knowledge import require_knowledge\n"
        "from pathlib import Path\n"
        "import os\n"
        "folder = Path(os.environ['NETRAL_CACHE_DIR'])\n"
        "stemcache.enable(stemcache.cache_path(folder)); modelcache.enable(folder)\n"
        "e = Engine(require_knowledge('knowledge'))\n"
        "for q in ['boleh gak pns like postingan capres', 'sanksi asn tidak netral'] * 50:\n"
        "    e.ask(q)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    env = {**os.environ, "NETRAL_CACHE_DIR": cache}
    out = subprocess.run(
        [sys.executable, "-c", code], text=True, capture_output=True, check=True, cwd=ROOT, env=env
    )
    return int(out.stdout.split()[-1])


def bench_process() -> None:
    qs = "\n".join(questions()) + "\n"
    with tempfile.TemporaryDirectory() as empty:
        training_rss = bot_process_rss(empty, train=True)
    with tempfile.TemporaryDirectory() as cold:
        cold_start, _ = run_ask("", cold)  # trains the model and fills the caches
        warm_start = statistics.median(run_ask("", cold)[0] for _ in range(3))
        runs = [run_ask(qs, cold) for _ in range(3)]
        total = statistics.median(t for t, _ in runs)
        rss = max(r for _, r in runs)
        bot_rss = bot_process_rss(cold)
    python = statistics.median(
        _timed([sys.executable, "-c", "pass"]) for _ in range(3)
    )  # the floor of any start
    per_question = (total - warm_start) / N_QUESTIONS * 1000
    print(f"python start:                          {python:6.3f} s")
    print(f"netral ask start, empty cache (train): {cold_start:6.3f} s")
    print(f"netral ask start, warm cache:          {warm_start:6.3f} s   target <= 1.5 s")
    print(f"{N_QUESTIONS} questions, start included:     {total:6.3f} s")
    print(f"mean per question after start:         {per_question:6.2f} ms  target <= 5 ms")
    print(f"peak RSS, netral ask on {N_QUESTIONS}:       {rss / 1024:6.1f} MB")
    print(f"peak RSS, engine + Telegram imports:   {bot_rss / 1024:6.1f} MB  target < 300 MB")
    print(f"  the same while its models train:     {training_rss / 1024:6.1f} MB  target < 300 MB")


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_large_kb() -> None:
    from bot.core.engine import Engine
    from bot.core.models import Category, KnowledgeBase
    from bot.knowledge import require_knowledge

    kb = require_knowledge(ROOT / "knowledge")
    # Ten copies of each entry; each copy's phrasings get a copy-specific word so that the
    # copies are distinct documents with their own vocabulary, as real new entries would be.
    fillers = ["desa", "kota", "sekolah", "kantor", "pasar", "rumah", "masjid", "balai", "grup"]
    entries = []
    for k in range(COPIES):
        for e in kb.entries:
            word = fillers[k % len(fillers)] + ("" if k < len(fillers) else str(k))
            entries.append(
                replace(
                    e,
                    id=f"{e.id}-{k}",
                    questions=tuple(f"{q} {word}" if k else q for q in e.questions),
                    related=(),
                )
            )
    category = Category("semua", "Semua", tuple(e.id for e in entries))
    big = KnowledgeBase(tuple(entries), (category,), kb.lexicon, kb.offtopics)
    start = time.perf_counter()
    engine = Engine(big)
    built = time.perf_counter() - start
    qs = questions()
    times = []
    for q in qs:
        t = time.perf_counter()
        engine.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[int(len(times) * 0.99) - 1]
    print(
        f"synthetic KB: {len(entries)} entries, {big.phrasing_count} phrasings; engine built "
        f"(learned model trained) in {built:.1f} s"
    )
    print(
        f"  per question: mean {statistics.mean(times):.2f} ms, p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms (target <= 50 ms), max {times[-1]:.2f} ms"
    )
    real = Engine(kb)
    times = []
    for q in qs:
        t = time.perf_counter()
        real.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        f"real KB: {len(kb.entries)} entries, {kb.phrasing_count} phrasings: mean "
        f"{statistics.mean(times):.2f} ms, p50 {times[len(times) // 2]:.2f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms"
    )


def main() -> None:
    bench_process()
    bench_large_kb()


@pytest.mark.benchmark
def test_bench_speed() -> None:
    main()


if __name__ == "__main__":
    main()
