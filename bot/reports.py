"""Text summaries of the query log, shared by the CLI and the admin commands."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.storage import QueryRow, Stats

STATUS_LABELS = {"answered": "terjawab", "ambiguous": "ambigu", "no_match": "tidak cocok"}


def format_stats_html(stats: Stats) -> str:
    """/stats: volumes, status shares, top entries and feedback (HTML)."""
    lines = [
        "<b>Statistik pertanyaan</b>",
        f"Hari ini: {stats.today} · 7 hari: {stats.last_7_days} · Total: {stats.total}",
        "",
        "<b>Status</b> (sepanjang waktu)",
    ]
    for status, label in STATUS_LABELS.items():
        lines.append(f"• {label}: {stats.by_status.get(status, 0)} ({stats.share(status):.0%})")
    lines += ["", "<b>Entri teratas</b>"]
    if stats.top_entries:
        lines += [
            f"{i}. {html.escape(eid)} — {n}" for i, (eid, n) in enumerate(stats.top_entries, 1)
        ]
    else:
        lines.append("(belum ada)")
    lines += ["", f"<b>Masukan</b>: 👍 {stats.feedback_up} · 👎 {stats.feedback_down}"]
    return "\n".join(lines)


def format_unanswered_html(rows: Sequence[QueryRow]) -> str:
    """/unanswered: the latest questions without a match, newest first (HTML)."""
    if not rows:
        return "Belum ada pertanyaan yang tidak terjawab."
    lines = [f"<b>{len(rows)} pertanyaan terakhir yang tidak terjawab</b>"]
    for row in rows:
        when = row.time.strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"• <i>{when}</i> — {html.escape(row.text[:300])}")
    return "\n".join(lines)
