"""Plain-text layouts of the review for the terminal, and the row writers of ``logs list``
(table, JSON lines, CSV). The Telegram HTML of /stats and /unanswered is in
:mod:`bot.tg.texts`; the numbers come from :mod:`bot.review.stats` and ``.clusters``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import AsyncIterator
from typing import Any, Final, TextIO

from bot.querylog import QueryRow, format_time
from bot.review.clusters import ClusterReport
from bot.review.labels import STATUS_LABELS, pct
from bot.review.stats import LogStats

# Characters that a terminal interprets: C0 and C1 controls (escape sequences, bell,
# backspace, ...) and the bidi overrides that reorder what is shown.
_TERMINAL_UNSAFE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A CSV cell starting with one of these is a formula to a spreadsheet (OWASP).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as ``\\xNN`` (or ``\\uNNNN``): a
    question text can never move the cursor, clear the screen or ring the admin's bell.
    Line feeds and tabs stay."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _TERMINAL_UNSAFE.sub(escape, text)


def json_safe(text: str) -> str:
    """JSON text with the controls ``json.dumps(..., ensure_ascii=False)`` leaves as they are
    (DEL, C1, bidi overrides) written as ``\\uNNNN`` escapes: the same JSON value, harmless
    in a terminal. (They can only occur inside strings, so the escapes are valid JSON.)"""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading ``'`` before a formula character."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


# ----------------------------------------------------------------- terminal (text)


def _table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right or set()
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        out = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def format_stats_text(stats: LogStats, *, days: int | None = None) -> str:
    """``netral logs stats``: every figure as plain-text tables (UTC)."""
    parts = [
        f"Period: {stats.period.bounds()} (UTC)",
        f"Questions: {stats.total}   users (pseudonymous keys): {stats.users}   "
        f"answered: {pct(stats.answer_rate if stats.total else None)}",
        "",
        _table(
            ["status", "questions", "share"],
            [
                [s, str(stats.by_status[s]), pct(stats.share(s) if stats.total else None)]
                for s in STATUS_LABELS
            ],
            {1, 2},
        ),
    ]
    shown = stats.days if days is None else stats.days[-days:]
    if shown:
        title = "Per day" if len(shown) == len(stats.days) else f"Per day (last {len(shown)})"
        parts += [
            "",
            f"{title}:",
            _table(
                ["day", "total", "answered", "ambiguous", "no_match", "answer rate"],
                [
                    [
                        d.day.isoformat(),
                        str(d.total),
                        str(d.answered),
                        str(d.ambiguous),
                        str(d.no_match),
                        pct(d.answer_rate),
                    ]
                    for d in shown
                ],
                {1, 2, 3, 4, 5},
            ),
        ]
    parts += ["", "Top entries (answered questions):"]
    parts.append(
        _table(["entry", "answered"], [[e, str(n)] for e, n in stats.top_entries], {1})
        if stats.top_entries
        else "(none)"
    )
    parts += ["", f"Feedback: {stats.feedback_up} up, {stats.feedback_down} down"]
    if stats.feedback:
        parts.append(
            _table(
                ["entry", "up", "down"],
                [[f.entry_id or "(unknown)", str(f.up), str(f.down)] for f in stats.feedback],
                {1, 2},
            )
        )
    worst = stats.most_down()
    parts += ["", "Most thumbs down:"]
    parts.append(
        _table(
            ["entry", "down", "up", "down share"],
            [
                [f.entry_id or "(unknown)", str(f.down), str(f.up), pct(f.down / (f.up + f.down))]
                for f in worst
            ],
            {1, 2, 3},
        )
        if worst
        else "(none)"
    )
    parts += ["", "Busiest hours (UTC; WIB = UTC+7):"]
    busiest = stats.busiest_hours(5)
    parts.append(
        _table(
            ["hour", "questions"],
            [[f"{h:02d}:00", str(n)] for h, n in busiest],
            {1},
        )
        if busiest
        else "(none)"
    )
    return "\n".join(parts) + "\n"


def format_clusters_text(report: ClusterReport) -> str:
    """``netral logs unanswered``: one block per cluster."""
    lines = [
        f"Unanswered (ambiguous + no_match) {report.period.bounds()}: {report.total} questions, "
        f"{report.cluster_count} clusters, the {len(report.clusters)} biggest below.",
    ]
    if report.unread:
        lines.append(
            f"Not clustered: {report.unread} questions with rarer texts "
            f"(beyond the {report.distinct_texts} most asked distinct texts)."
        )
    if report.empty:
        lines.append(f"Without a meaningful word: {report.empty} questions.")
    for i, c in enumerate(report.clusters, 1):
        nearest = f"{c.nearest} (score {c.score:.2f})" if c.nearest else "none"
        lines += [
            "",
            f"[{i}] {c.size} questions (no_match {c.no_match}, ambiguous {c.ambiguous})  "
            f"first {format_time(c.first)}  last {format_time(c.last)}",
            f"    nearest entry: {nearest}",
            *([f"    out of scope: {c.offtopic}"] if c.offtopic else []),
            *(f"    - {' '.join(text.split())}" for text in c.examples),
        ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- query rows

CSV_COLUMNS: Final = (
    "time",
    "qid",
    "chat_type",
    "user",
    "status",
    "entry_id",
    "score",
    "suggestions",
    "elapsed_ms",
    "source",
    "text",
)


def query_json(row: QueryRow) -> dict[str, Any]:
    """One logged question as ``logs list --json`` prints it (``user``: pseudonymous key)."""
    return {
        "time": format_time(row.time),
        "text": row.text,
        "status": row.status,
        "entry_id": row.entry_id,
        "score": row.score,
        "chat_type": row.chat_type,
        "user": row.user_key,
        "suggestions": list(row.suggestions),
        "elapsed_ms": row.elapsed_ms,
        "source": row.source,
        "qid": row.qid,
    }


async def write_json_lines(rows: AsyncIterator[QueryRow], out: TextIO) -> int:
    """One JSON object per line; returns the number of rows."""
    n = 0
    async for row in rows:
        out.write(json_safe(json.dumps(query_json(row), ensure_ascii=False)) + "\n")
        n += 1
    return n


async def write_csv(rows: AsyncIterator[QueryRow], out: TextIO) -> int:
    """RFC 4180 CSV with a header line (suggestions space-separated)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    async for row in rows:
        writer.writerow(
            [
                format_time(row.time),
                csv_safe(row.qid),
                csv_safe(row.chat_type),
                row.user_key,
                row.status,
                csv_safe(row.entry_id or ""),
                row.score,
                csv_safe(" ".join(row.suggestions)),
                row.elapsed_ms,
                row.source,
                csv_safe(row.text),
            ]
        )
        n += 1
    return n


async def write_table(rows: AsyncIterator[QueryRow], out: TextIO) -> int:
    """Aligned columns, one question per line (line breaks in texts shown as spaces)."""
    n = 0
    async for row in rows:
        text = " ".join(row.text.split())
        line = (
            f"{format_time(row.time)}  {row.status:9}  {row.entry_id or '-':28}  "
            f"{row.score:.2f}  {row.chat_type:10}  {text}"
        )
        out.write(terminal_safe(line) + "\n")
        n += 1
    return n
