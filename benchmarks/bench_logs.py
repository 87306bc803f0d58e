"""Benchmark of ``netral logs`` on a large query log.

Generates a log of 1,000,000 questions spread over the past year (realistic texts built
from the knowledge base's phrasings and from off-topic questions, with informal spellings,
typos, daily and weekly rhythms and an election peak), then times, as real processes,

* ``netral logs stats``
* ``netral logs unanswered --since 30d``
* ``netral logs report --out FILE.html``

and measures the peak resident memory (VmHWM) of ``netral logs list --csv`` of everything on that
log and on a 100,000-question one: streaming output must not grow with the log's size.

Figures are printed; nothing is asserted about times. Run it as a script::

    .venv/bin/python benchmarks/bench_logs.py [--rows 1000000] [--small 100000] [--workdir DIR]

or through pytest (excluded from the default run)::

    .venv/bin/pytest -m benchmark -s benchmarks/bench_logs.py
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
BATCH = 50_000

# Questions the bot does not cover: salary, recruitment, leave, transfers... Each topic
# has a few phrasings; noise() turns them into many spellings.
OFF_TOPIC: tuple[tuple[str, ...], ...] = (
    ("gaji pns berapa", "berapa gaji pppk sekarang", "gaji asn naik kapan", "gaji pns brp"),
    ("kapan tunjangan kinerja cair", "tukin bulan ini kapan cair", "tunjangan kinerja telat"),
    ("formasi cpns kapan dibuka", "pendaftaran cpns tahun ini kapan", "tes cpns kapan"),
    ("cara daftar pppk", "syarat daftar pppk guru", "pppk paruh waktu daftar dimana"),
    ("cuti tahunan pns berapa hari", "cara ajukan cuti pns", "cuti melahirkan pns berapa bulan"),
    ("cara mutasi pns ke daerah lain", "syarat pindah tugas pns", "mutasi pns antar provinsi"),
    ("umur pensiun pns berapa", "kapan pns pensiun", "pensiun dini pns syaratnya apa"),
    ("cara cek nip", "nip saya belum keluar", "cek data asn di mysapk"),
    ("kenaikan pangkat pns syaratnya", "naik pangkat otomatis kapan", "kenaikan golongan pns"),
    ("thr pns kapan cair", "gaji 13 kapan cair", "thr pppk cair tanggal berapa"),
    ("jam kerja pns berapa jam", "pns boleh wfh gak", "absen pns pakai aplikasi apa"),
    ("pns boleh kerja sampingan", "asn jualan online boleh", "pns buka usaha boleh gak"),
    ("bpjs kesehatan pns berapa persen", "taspen cair kapan", "iuran taspen berapa"),
    ("seragam pns hari kamis apa", "pakaian dinas hari jumat", "aturan seragam batik pns"),
    ("pns boleh poligami", "pns cerai harus izin", "izin menikah lagi pns"),
    ("tugas belajar pns syarat", "izin belajar pns", "beasiswa untuk pns"),
    ("honorer diangkat pppk kapan", "nasib honorer 2025", "honorer dihapus"),
    ("cara lapor pungli", "lapor atasan korupsi", "whistleblowing pns"),
    ("skp pns cara isi", "e-kinerja error", "penilaian kinerja pns"),
    ("jadwal libur nasional", "cuti bersama tahun ini", "libur lebaran pns berapa hari"),
    ("halo", "selamat pagi min", "terima kasih", "test"),
    ("siapa presiden sekarang", "hasil quick count", "kapan pelantikan bupati"),
)
PARTICLES = ("min", "kak", "sih", "ya", "dong", "nih", "gan", "bang")
SPELLINGS = {
    "tidak": ("gak", "ga", "nggak", "tdk"),
    "boleh": ("bole", "bolehkah", "boleh"),
    "yang": ("yg",),
    "berapa": ("brp", "brapa"),
    "pns": ("asn", "pegawai negeri", "PNS"),
    "asn": ("pns", "ASN"),
    "dengan": ("dgn",),
    "apakah": ("apa", "apakah"),
    "kapan": ("kpn", "kapan"),
}
CHAT_TYPES = ("private",) * 16 + ("group",) * 3 + ("supergroup",)
# UTC hour weights: office hours in Indonesia (WIB = UTC+7) and the evening.
HOUR_WEIGHTS = (4, 7, 9, 9, 8, 8, 7, 6, 5, 5, 5, 6, 8, 9, 8, 5, 2, 1, 1, 1, 1, 1, 1, 2)


def noise(rng: random.Random, text: str) -> str:
    """An informal spelling of ``text``: case, abbreviations, particles, a typo, no '?'."""
    words = text.rstrip("?").split()
    out = []
    for word in words:
        lower = word.lower().strip(",.")
        if lower in SPELLINGS and rng.random() < 0.35:
            word = rng.choice(SPELLINGS[lower])
        if len(word) > 4 and rng.random() < 0.03:
            i = rng.randrange(len(word) - 1)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        out.append(word)
    if rng.random() < 0.25:
        out.append(rng.choice(PARTICLES))
    if rng.random() < 0.1:
        out.insert(0, rng.choice(("min", "kak", "halo min,", "permisi")))
    result = " ".join(out)
    roll = rng.random()
    if roll < 0.15:
        result = result.lower()
    elif roll < 0.2:
        result = result.upper()
    elif roll < 0.3:
        result = result[:1].upper() + result[1:]
    return result + rng.choice(("", "", "?", "??", " ?", "."))


def _day_weights(days: int, end: datetime) -> list[float]:
    """Weekly rhythm, slow growth and an election peak around 60 days before the end."""
    weights = []
    for d in range(days):
        day = end - timedelta(days=days - d)
        weekday = 0.55 if day.weekday() >= 5 else 1.0
        growth = 0.6 + 0.4 * d / days
        peak = 1.0 + 2.5 * max(0.0, 1 - abs(d - (days - 60)) / 21)
        weights.append(weekday * growth * peak)
    return weights


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def generate(
    path: Path, rows: int, *, end: datetime | None = None, days: int = 365, seed: int = 4
) -> None:
    """Create ``path`` (schema through the real ``open_storage``) with ``rows`` questions
    over the ``days`` before ``end`` and the feedback and button events they drew."""
    import asyncio

    from bot.knowledge import require_knowledge
    from bot.querylog import format_time, open_storage

    async def create() -> None:
        await (await open_storage(path)).close()

    asyncio.run(create())
    kb = require_knowledge(KNOWLEDGE)
    rng = random.Random(seed)
    # Whole UTC days up to the start of today: every question is in the past.
    end = end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    entries = list(kb.entries)
    # Zipf-like popularity of the entries.
    entry_cum = _cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(entries))])
    topic_cum = _cumulative([1 / (rank + 1) ** 0.8 for rank in range(len(OFF_TOPIC))])
    day_cum = _cumulative(_day_weights(days, end))
    hour_cum = _cumulative(HOUR_WEIGHTS)
    users = [f"{rng.getrandbits(64):016x}" for _ in range(max(rows // 25, 10))]
    user_cum = _cumulative([1 / (rank + 1) ** 0.6 for rank in range(len(users))])

    def pick(cum: list[float]) -> int:
        return bisect.bisect_left(cum, rng.random() * cum[-1])

    def moments() -> Iterator[datetime]:
        # Sorted times: the log is appended in time order, like the real one.
        chosen = sorted(
            (pick(day_cum), pick(hour_cum), rng.randrange(3600), rng.randrange(1000))
            for _ in range(rows)
        )
        for day, hour, second, ms in chosen:
            yield start + timedelta(days=day, hours=hour, seconds=second, milliseconds=ms)

    insert_q = (
        "INSERT INTO queries (qid, time, chat_type, user_key, text, status, entry_id, score, "
        "suggestions, elapsed_ms, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    insert_e = "INSERT INTO events (time, qid, kind, entry_id, user_key) VALUES (?, ?, ?, ?, ?)"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        queries: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        for i, moment in enumerate(moments()):
            roll = rng.random()
            entry = entries[pick(entry_cum)]
            user = users[pick(user_cum)]
            suggestions: list[str] = []
            if roll < 0.68:
                status, entry_id = "answered", entry.id
                text = noise(rng, rng.choice(entry.questions))
                score = round(rng.uniform(0.62, 0.97), 4)
            elif roll < 0.78:
                status, entry_id = "ambiguous", None
                words = rng.choice(entry.questions).split()
                text = noise(rng, " ".join(words[: rng.randint(2, 4)]))
                score = round(rng.uniform(0.55, 0.7), 4)
                others = rng.sample(entries, 2)
                suggestions = [entry.id, *(e.id for e in others if e.id != entry.id)]
            else:
                status, entry_id = "no_match", None
                text = noise(rng, rng.choice(OFF_TOPIC[pick(topic_cum)]))
                score = round(rng.uniform(0.1, 0.54), 4)
            qid = f"b{i:010x}"
            queries.append(
                (
                    qid,
                    format_time(moment),
                    CHAT_TYPES[rng.randrange(len(CHAT_TYPES))],
                    user,
                    text,
                    status,
                    entry_id,
                    score,
                    json.dumps(suggestions),
                    round(rng.uniform(2, 40), 2),
                    "message" if rng.random() < 0.9 else "command",
                )
            )
            if status == "answered" and rng.random() < 0.06:
                kind = "feedback_up" if rng.random() < 0.78 else "feedback_down"
                later = format_time(moment + timedelta(seconds=rng.randint(5, 600)))
                events.append((later, qid, kind, entry_id, user))
            elif status == "ambiguous" and rng.random() < 0.4:
                later = format_time(moment + timedelta(seconds=rng.randint(2, 60)))
                events.append((later, qid, "suggestion_pick", suggestions[0], user))
            if len(queries) >= BATCH:
                with conn:
                    conn.executemany(insert_q, queries)
                    conn.executemany(insert_e, events)
                queries.clear()
                events.clear()
        with conn:
            conn.executemany(insert_q, queries)
            conn.executemany(insert_e, events)
        conn.execute("ANALYZE")


# Runs the netral command and, at exit, writes the process's peak resident memory. VmHWM
# of /proc/self/status belongs to the program after exec; ru_maxrss would also count the
# (forked) benchmark process itself, which holds far more after generating a log.
_PEAK_WRAPPER = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("\\nPEAK_KB " + line.split()[1] + "\\n")
atexit.register(_peak)
sys.argv = ["netral", *sys.argv[1:]]
from bot.cli import main
raise SystemExit(main())
"""


def _netral(*args: str) -> list[str]:
    return [sys.executable, "-c", _PEAK_WRAPPER, "--knowledge", str(KNOWLEDGE), "logs", *args]


def timed_run(args: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak resident memory in MiB, first line of stderr) of one process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        code = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT).returncode
        elapsed = time.perf_counter() - started
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("PEAK_KB ")]
    message = "\n".join(line for line in lines if not line.startswith("PEAK_KB "))
    if code != 0 or not peak:
        raise RuntimeError(f"{' '.join(args[4:])} exited {code}: {message}")
    return elapsed, peak[0] // 1024, message.splitlines()[0] if message.strip() else ""


def _in_process(db: Path) -> dict[str, float]:
    """The library calls alone (no interpreter start, no knowledge-base loading)."""
    import asyncio

    from bot.core.matcher import Matcher
    from bot.knowledge import require_knowledge
    from bot.querylog import open_storage
    from bot.review.clusters import unanswered_clusters
    from bot.review.html_report import build_report
    from bot.review.period import Period
    from bot.review.stats import compute_stats

    matcher = Matcher(require_knowledge(KNOWLEDGE))
    figures: dict[str, float] = {}

    async def run() -> None:
        now = datetime.now(UTC)
        async with await open_storage(db) as storage:
            t0 = time.perf_counter()
            await compute_stats(storage, Period(), now=now)
            figures["stats"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            await unanswered_clusters(storage, matcher, Period(now - timedelta(days=30)))
            figures["unanswered --since 30d"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            await build_report(storage, matcher, Period(), now=now)
            figures["report"] = time.perf_counter() - t0

    asyncio.run(run())
    return figures


def run_benchmark(rows: int, small: int, workdir: Path) -> dict[str, float]:
    """Generate (or reuse) the logs, print the figures and return them."""
    workdir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    logs = {}
    for n in (rows, small):
        db = workdir / f"log-{n}.sqlite3"
        if not db.exists():
            t0 = time.perf_counter()
            generate(db, n)
            print(f"generated {n:,} questions in {time.perf_counter() - t0:.1f} s ({db})")
        logs[n] = db
    big = logs[rows]
    with closing(sqlite3.connect(big)) as conn:
        counts = dict(conn.execute("SELECT status, COUNT(*) FROM queries GROUP BY status"))
        events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    size = big.stat().st_size / 2**20
    print(f"log: {sum(counts.values()):,} questions {counts}, {events:,} events, {size:.0f} MiB")
    # A first open migrates and warms the page cache; not what an admin waits for daily.
    for db in logs.values():
        timed_run(_netral("stats", "--db", str(db)))
    print("\nwall time of the CLI processes (interpreter start and knowledge base included),")
    print("and their peak resident memory:")
    html = workdir / "report.html"
    for label, args in (
        ("stats", ["stats", "--db", str(big)]),
        ("stats --json", ["stats", "--json", "--db", str(big)]),
        ("unanswered --since 30d", ["unanswered", "--since", "30d", "--db", str(big)]),
        ("suggest --since 30d", ["suggest", "--since", "30d", "--db", str(big)]),
        ("report", ["report", "--out", str(html), "--db", str(big)]),
        ("report --since 30d", ["report", "--since", "30d", "--out", str(html), "--db", str(big)]),
    ):
        elapsed, peak, _ = timed_run(_netral(*args))
        figures[label] = elapsed
        print(f"  {label:28} {elapsed:6.2f} s   peak {peak:4d} MiB")
    print(f"  (the last report: {html.stat().st_size / 1024:.0f} KiB)")
    print("\nthe library calls alone, in one process:")
    for label, elapsed in _in_process(big).items():
        print(f"  {label:28} {elapsed:6.2f} s")
    print("\npeak resident memory of `logs list --csv` of everything (stdout to /dev/null):")
    rss: dict[int, int] = {}
    for n, db in sorted(logs.items()):
        elapsed, rss[n], _ = timed_run(_netral("list", "--csv", "--db", str(db)))
        print(f"  {n:>9,} questions   peak {rss[n]:4d} MiB   {elapsed:6.1f} s")
    ratio = rss[rows] / rss[small]
    figures["csv_rss_ratio"] = ratio
    print(f"  ratio {rows:,} / {small:,}: {ratio:.2f} (the log is {rows / small:.0f}x larger)")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the logs here")
    args = parser.parse_args(argv)
    if args.workdir:
        run_benchmark(args.rows, args.small, args.workdir)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        run_benchmark(args.rows, args.small, Path(tmp))
    return 0


@pytest.mark.benchmark
def test_bench_logs(tmp_path: Path) -> None:
    """The benchmark under pytest: prints the figures, asserts only that it ran."""
    rows = int(os.environ.get("NETRAL_BENCH_ROWS", "1000000"))
    figures = run_benchmark(rows, max(rows // 10, 1000), tmp_path)
    assert figures["csv_rss_ratio"] > 0


if __name__ == "__main__":
    raise SystemExit(main())
