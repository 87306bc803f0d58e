"""The query-log report as one self-contained HTML page (``netral logs report``, ``/laporan``).

Everything is inline: CSS in a ``<style>`` element and charts as SVG drawn here, in Python.
The page loads no script, font, image or style sheet, so it works offline and as an e-mail
attachment. Every piece of data (question texts, entry ids and titles) is escaped with
:func:`html.escape`. Labels are in Bahasa Indonesia: the page is meant to be forwarded.

The module is long (about 600 lines) but one idea: the page, its sections and the SVG
primitives they share; splitting the SVG helpers out would only add an import.
"""

from __future__ import annotations

import asyncio
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from bot.core.matcher import Matcher
from bot.querylog import ReviewQueries
from bot.review.clusters import (
    ClusterReport,
    UnansweredTexts,
    cluster_unanswered,
    read_unanswered,
)
from bot.review.labels import STATUS_LABELS, pct
from bot.review.period import SHORT_MONTHS, Period
from bot.review.stats import DayCount, LogStats, compute_stats

COLORS: Final = {"answered": "#2e7d32", "ambiguous": "#f0a500", "no_match": "#c62828"}
RATE_COLOR: Final = "#1565c0"
WIDTH: Final = 960  # SVG user units; the charts scale to the page width
TOP_CLUSTERS: Final = 15
# The report shows the biggest clusters only, which the most asked texts already form.
REPORT_MAX_TEXTS: Final = 2000
MAX_DAILY_BARS: Final = 400  # beyond this, the time chart shows weeks

_CSS: Final = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #1d2733;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
        "Liberation Sans", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: #52606d; }
section { background: #fff; border: 1px solid #dde3e9; border-radius: 10px;
  padding: 18px 20px; margin: 18px 0; }
h2 { font-size: 18px; margin: 0 0 10px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr));
  gap: 12px; background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid #dde3e9; border-radius: 10px; padding: 12px 14px; }
.card b { display: block; font-size: 22px; }
.card span { color: #52606d; font-size: 13px; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; fill: #3e4c59; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 6px 0 0; padding: 0;
  list-style: none; font-size: 13px; color: #3e4c59; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  margin-right: 5px; vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; margin-top: 12px; font-size: 13.5px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e6eaee;
  vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
details summary { cursor: pointer; color: #1565c0; margin-top: 10px; }
.muted { color: #6b7885; font-size: 13px; }
.examples { margin: 0; padding-left: 18px; }
.split { display: grid; grid-template-columns: 280px 1fr; gap: 20px; align-items: center; }
@media (max-width: 700px) { .split { grid-template-columns: 1fr; } }
footer { color: #6b7885; font-size: 12.5px; margin-top: 24px; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
"""


@dataclass(frozen=True, slots=True)
class _Bucket:
    """One bar of the time chart: a day, or a week on long periods."""

    label: str
    start: date
    answered: int
    ambiguous: int
    no_match: int

    @property
    def total(self) -> int:
        return self.answered + self.ambiguous + self.no_match

    @property
    def rate(self) -> float | None:
        return self.answered / self.total if self.total else None


# --------------------------------------------------------------------------- entry points


async def read_report(
    storage: ReviewQueries, period: Period, *, now: datetime, max_texts: int = REPORT_MAX_TEXTS
) -> tuple[LogStats, UnansweredTexts]:
    """The database half of the report: the period's statistics and unanswered texts."""
    stats, unanswered = await asyncio.gather(
        compute_stats(storage, period, now=now),
        read_unanswered(storage, period, max_texts=max_texts),
    )
    return stats, unanswered


async def finish_report(
    stats: LogStats,
    unanswered: UnansweredTexts,
    matcher: Matcher,
    *,
    clusters: int = TOP_CLUSTERS,
) -> str:
    """The knowledge-base half: cluster the texts and render the page."""
    report = await cluster_unanswered(unanswered, matcher, limit=clusters)
    titles = {entry.id: entry.title for entry in matcher.kb.entries}
    # Rendering is CPU work: in a thread, so that a running bot keeps answering meanwhile.
    return await asyncio.to_thread(render_report, stats, report, titles)


async def build_report(
    storage: ReviewQueries,
    matcher: Matcher,
    period: Period,
    *,
    now: datetime,
    clusters: int = TOP_CLUSTERS,
    max_texts: int = REPORT_MAX_TEXTS,
) -> str:
    """Read the period's statistics and clusters and render the page (/laporan). The CLI
    runs :func:`read_report` beside the knowledge-base loading, then :func:`finish_report`."""
    stats, unanswered = await read_report(storage, period, now=now, max_texts=max_texts)
    return await finish_report(stats, unanswered, matcher, clusters=clusters)


def render_report(
    stats: LogStats, clusters: ClusterReport, titles: Mapping[str, str] | None = None
) -> str:
    """The whole page as a string (UTF-8 when written)."""
    titles = titles or {}
    period = stats.period.days(stats.days[0].day if stats.days else None, stats.generated)
    generated = stats.generated.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="id">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Laporan Netral — {_e(period)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body><main>",
        "<header><h1>Laporan pertanyaan Netral</h1>",
        f"<p>Periode {_e(period)}, waktu UTC · dibuat {_e(generated)}</p></header>",
        _cards(stats, clusters),
        _daily_section(stats),
        _status_section(stats),
        _entries_section(stats, titles),
        _clusters_section(clusters, titles),
        _feedback_section(stats, titles),
        _hours_section(stats),
        "<footer>Semua waktu dalam UTC (WIB = UTC+7). Laporan ini tidak memuat identitas "
        "pengguna: pengguna hanya dihitung melalui kunci pseudonim. Dibuat oleh "
        "<code>netral logs report</code>.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- sections


def _cards(stats: LogStats, clusters: ClusterReport) -> str:
    unanswered = stats.by_status["ambiguous"] + stats.by_status["no_match"]
    cards = [
        (_n(stats.total), "pertanyaan"),
        (_pct0(stats.answer_rate) if stats.total else "–", "terjawab langsung"),
        (_n(unanswered), "belum terjawab (ambigu + tidak cocok)"),
        (_n(clusters.cluster_count), "kelompok pertanyaan belum terjawab"),
        (_n(stats.users), "pengguna berbeda (pseudonim)"),
        (_n(stats.feedback_up), "masukan: membantu"),
        (_n(stats.feedback_down), "masukan: kurang tepat"),
    ]
    body = "".join(
        f'<div class="card"><b>{_e(value)}</b><span>{_e(label)}</span></div>'
        for value, label in cards
    )
    return f'<section class="cards" aria-label="Ringkasan">{body}</section>'


def _buckets(days: Sequence[DayCount]) -> tuple[list[_Bucket], str]:
    if len(days) <= MAX_DAILY_BARS:
        return [
            _Bucket(d.day.isoformat(), d.day, d.answered, d.ambiguous, d.no_match) for d in days
        ], "hari"
    weeks: dict[date, list[int]] = {}
    for d in days:
        monday = d.day - timedelta(days=d.day.weekday())
        counts = weeks.setdefault(monday, [0, 0, 0])
        counts[0] += d.answered
        counts[1] += d.ambiguous
        counts[2] += d.no_match
    return [
        _Bucket(f"minggu {start.isoformat()}", start, *counts) for start, counts in weeks.items()
    ], "minggu"


def _daily_section(stats: LogStats) -> str:
    buckets, unit = _buckets(stats.days)
    title = f"Pertanyaan per {unit} dan tingkat terjawab"
    if not buckets or stats.total == 0:
        return f"<section><h2>{title}</h2><p class='muted'>Belum ada pertanyaan.</p></section>"
    rows = "".join(
        f"<tr><td>{_e(b.label)}</td><td class='n'>{_n(b.total)}</td>"
        f"<td class='n'>{_n(b.answered)}</td><td class='n'>{_n(b.ambiguous)}</td>"
        f"<td class='n'>{_n(b.no_match)}</td>"
        f"<td class='n'>{'–' if b.rate is None else _pct0(b.rate)}</td></tr>"
        for b in buckets
    )
    table = (
        f"<details><summary>Tabel per {unit} ({len(buckets)} baris)</summary><table>"
        f"<tr><th>{unit.capitalize()}</th><th class='n'>Total</th><th class='n'>Terjawab</th>"
        "<th class='n'>Ambigu</th><th class='n'>Tidak cocok</th>"
        f"<th class='n'>Tingkat terjawab</th></tr>{rows}</table></details>"
    )
    legend = _legend([(COLORS[s], STATUS_LABELS[s]) for s in COLORS] + [(RATE_COLOR, "% terjawab")])
    return f"<section><h2>{title}</h2>{_time_chart(buckets)}{legend}{table}</section>"


def _time_chart(buckets: Sequence[_Bucket]) -> str:
    height, left, right, top, bottom = 280, 52, 48, 12, 34
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = _nice(max(b.total for b in buckets))
    step = plot_w / len(buckets)
    bar_w = max(step * 0.8, 0.6)
    out = [_svg_open(WIDTH, height, "Pertanyaan per hari menurut status, dan tingkat terjawab")]
    for i in range(3):  # grid and both axes' ticks
        y = top + plot_h - plot_h * i / 2
        out.append(_line(left, y, left + plot_w, y, "#e6eaee"))
        out.append(_text(left - 6, y + 4, _n(round(peak * i / 2)), anchor="end"))
        out.append(_text(left + plot_w + 6, y + 4, f"{50 * i}%", anchor="start", fill=RATE_COLOR))
    lines: list[list[str]] = [[]]  # the rate line, broken where a day has no questions
    for index, b in enumerate(buckets):
        x = left + index * step + (step - bar_w) / 2
        y = top + plot_h
        tip = (
            f"{b.label}: {_n(b.total)} pertanyaan, {_n(b.answered)} terjawab, "
            f"{_n(b.ambiguous)} ambigu, {_n(b.no_match)} tidak cocok"
            + ("" if b.rate is None else f" ({_pct0(b.rate)} terjawab)")
        )
        out.append(f"<g><title>{_e(tip)}</title>")
        for status, count in (
            ("answered", b.answered),
            ("ambiguous", b.ambiguous),
            ("no_match", b.no_match),
        ):
            if count:
                h = plot_h * count / peak
                y -= h
                out.append(_rect(x, y, bar_w, h, COLORS[status]))
        out.append("</g>")
        if b.rate is None:
            if lines[-1]:
                lines.append([])
        else:
            lines[-1].append(f"{x + bar_w / 2:.1f},{top + plot_h - plot_h * b.rate:.1f}")
    for points in lines:
        if len(points) > 1:
            out.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{RATE_COLOR}" '
                'stroke-width="1.6" stroke-linejoin="round"/>'
            )
        elif points:
            cx, cy = points[0].split(",")
            out.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{RATE_COLOR}"/>')
    out.extend(_time_labels(buckets, left, step, top + plot_h + 18))
    out.append(_line(left, top + plot_h, left + plot_w, top + plot_h, "#9aa5b1"))
    out.append("</svg>")
    return "".join(out)


def _time_labels(buckets: Sequence[_Bucket], left: float, step: float, y: float) -> list[str]:
    """Month starts on long periods, otherwise about eight evenly spaced dates."""
    labels: list[str] = []
    if len(buckets) > 62:
        month = None
        last_x = -math.inf
        for i, b in enumerate(buckets):
            key = (b.start.year, b.start.month)
            x = left + i * step
            if key != month and x - last_x >= 48:  # a partial first month can crowd
                month, last_x = key, x
                text = f"{SHORT_MONTHS[b.start.month - 1]} {b.start.year % 100:02d}"
                labels.append(_text(x, y, text, anchor="start"))
            elif key != month:
                month = key
    else:
        every = max(1, math.ceil(len(buckets) / 8))
        for i in range(0, len(buckets), every):
            d = buckets[i].start
            label = f"{d.day} {SHORT_MONTHS[d.month - 1]}"
            labels.append(_text(left + i * step, y, label, anchor="start"))
    return labels


def _status_section(stats: LogStats) -> str:
    rows = "".join(
        f"<tr><td>{_swatch(COLORS[s])}{STATUS_LABELS[s]}</td>"
        f"<td class='n'>{_n(stats.by_status[s])}</td>"
        f"<td class='n'>{_pct0(stats.share(s))}</td></tr>"
        for s in COLORS
    )
    table = (
        "<table><tr><th>Status</th><th class='n'>Pertanyaan</th><th class='n'>Bagian</th></tr>"
        f"{rows}<tr><th>Total</th><th class='n'>{_n(stats.total)}</th><th></th></tr></table>"
    )
    return (
        "<section><h2>Bagian menurut status</h2><div class='split'>"
        f"{_donut(stats)}<div>{table}<p class='muted'>Terjawab: satu entri cocok dengan "
        "yakin. Ambigu: bot menawarkan beberapa entri. Tidak cocok: tidak ada entri yang "
        "relevan.</p></div></div></section>"
    )


def _donut(stats: LogStats) -> str:
    size, radius, width = 240, 84, 34
    c = size / 2
    circumference = 2 * math.pi * radius
    out = [_svg_open(size, size, "Bagian pertanyaan menurut status")]
    out.append(
        f'<circle cx="{c}" cy="{c}" r="{radius}" fill="none" stroke="#e6eaee" '
        f'stroke-width="{width}"/>'
    )
    offset = 0.0
    for status, color in COLORS.items():
        share = stats.share(status)
        if share <= 0:
            continue
        length = circumference * share
        out.append(
            f'<circle cx="{c}" cy="{c}" r="{radius}" fill="none" stroke="{color}" '
            f'stroke-width="{width}" stroke-dasharray="{length:.2f} {circumference:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {c} {c})">'
            f"<title>{_e(STATUS_LABELS[status])}: {_pct0(share)}</title></circle>"
        )
        offset += length
    out.append(_text(c, c - 2, _pct0(stats.answer_rate) if stats.total else "–", size=24))
    out.append(_text(c, c + 18, "terjawab", size=12))
    out.append("</svg>")
    return "".join(out)


def _entries_section(stats: LogStats, titles: Mapping[str, str]) -> str:
    title = "Entri yang paling sering menjawab"
    if not stats.top_entries:
        return f"<section><h2>{title}</h2><p class='muted'>Belum ada.</p></section>"
    answered = stats.by_status["answered"] or 1
    bars = [(entry, count, COLORS["answered"]) for entry, count in stats.top_entries]
    rows = "".join(
        f"<tr><td class='n'>{i}</td><td><code>{_e(entry)}</code></td>"
        f"<td>{_e(titles.get(entry, ''))}</td><td class='n'>{_n(count)}</td>"
        f"<td class='n'>{_pct0(count / answered)}</td></tr>"
        for i, (entry, count) in enumerate(stats.top_entries, 1)
    )
    table = (
        "<table><tr><th class='n'>#</th><th>Entri</th><th>Judul</th>"
        "<th class='n'>Terjawab</th><th class='n'>Bagian dari terjawab</th></tr>"
        f"{rows}</table>"
    )
    return f"<section><h2>{title}</h2>{_hbars(bars, 'Entri teratas')}{table}</section>"


def _clusters_section(report: ClusterReport, titles: Mapping[str, str]) -> str:
    title = "Pertanyaan yang belum terjawab, dikelompokkan"
    if not report.clusters:
        return f"<section><h2>{title}</h2><p class='muted'>Tidak ada.</p></section>"
    bars = [(_short(c.label, 56), c.size, COLORS["no_match"]) for c in report.clusters]
    rows = []
    for i, c in enumerate(report.clusters, 1):
        examples = "".join(f"<li>{_e(text)}</li>" for text in c.examples)
        nearest = "–"
        if c.nearest:
            named = titles.get(c.nearest, "")
            nearest = f"<code>{_e(c.nearest)}</code> ({c.score:.2f})" + (
                f"<br><span class='muted'>{_e(named)}</span>" if named else ""
            )
        if c.offtopic:
            nearest += f"<br><span class='muted'>di luar cakupan: {_e(c.offtopic)}</span>"
        rows.append(
            f"<tr><td class='n'>{i}</td><td class='n'>{_n(c.size)}</td>"
            f"<td class='n'>{_n(c.no_match)} / {_n(c.ambiguous)}</td>"
            f"<td><ul class='examples'>{examples}</ul></td><td>{nearest}</td>"
            f"<td class='n'>{c.first:%Y-%m-%d}<br>{c.last:%Y-%m-%d}</td></tr>"
        )
    note = (
        f"{_n(report.total)} pertanyaan ambigu atau tidak cocok; {_n(report.cluster_count)} "
        f"kelompok, {len(report.clusters)} terbesar ditampilkan."
    )
    if report.unread:
        note += f" {_n(report.unread)} pertanyaan dengan teks yang jarang tidak dikelompokkan."
    if report.empty:
        note += f" {_n(report.empty)} pertanyaan tanpa kata bermakna."
    table = (
        "<table><tr><th class='n'>#</th><th class='n'>Jumlah</th>"
        "<th class='n'>Tidak cocok / ambigu</th><th>Contoh pertanyaan</th>"
        "<th>Entri terdekat (skor)</th><th class='n'>Pertama<br>terakhir</th></tr>"
        f"{''.join(rows)}</table>"
    )
    return (
        f"<section><h2>{title}</h2><p class='muted'>{note}</p>"
        f"{_hbars(bars, 'Kelompok pertanyaan belum terjawab')}{table}</section>"
    )


def _feedback_section(stats: LogStats, titles: Mapping[str, str]) -> str:
    title = "Masukan pengguna per entri: membantu / kurang tepat"
    if not stats.feedback:
        return f"<section><h2>{title}</h2><p class='muted'>Belum ada masukan.</p></section>"
    ranked = sorted(stats.feedback, key=lambda f: (-(f.up + f.down), f.entry_id or "~"))
    chart = _diverging([(f.entry_id or "(tidak diketahui)", f.up, f.down) for f in ranked[:15]])
    rows = "".join(
        f"<tr><td><code>{_e(f.entry_id or '(tidak diketahui)')}</code></td>"
        f"<td>{_e(titles.get(f.entry_id or '', ''))}</td><td class='n'>{_n(f.up)}</td>"
        f"<td class='n'>{_n(f.down)}</td><td class='n'>{_pct0(f.down / (f.up + f.down))}</td></tr>"
        for f in ranked
    )
    worst = stats.most_down(5)
    worst_text = (
        "Paling banyak dinilai kurang tepat: "
        + ", ".join(f"<code>{_e(f.entry_id or '?')}</code> ({_n(f.down)})" for f in worst)
        if worst
        else "Belum ada yang menilai kurang tepat."
    )
    table = (
        "<details><summary>Tabel masukan per entri</summary><table><tr><th>Entri</th>"
        "<th>Judul</th><th class='n'>Membantu</th><th class='n'>Kurang tepat</th>"
        "<th class='n'>Bagian kurang tepat</th>"
        f"</tr>{rows}</table></details>"
    )
    legend = _legend([(COLORS["answered"], "membantu"), (COLORS["no_match"], "kurang tepat")])
    return f"<section><h2>{title}</h2><p>{worst_text}</p>{chart}{legend}{table}</section>"


def _hours_section(stats: LogStats) -> str:
    title = "Jam tersibuk (UTC; WIB = UTC+7)"
    if stats.total == 0:
        return f"<section><h2>{title}</h2><p class='muted'>Belum ada pertanyaan.</p></section>"
    height, left, top, bottom = 200, 52, 10, 30
    plot_w, plot_h = WIDTH - left - 12, height - top - bottom
    peak = _nice(max(stats.hours))
    step = plot_w / 24
    out = [_svg_open(WIDTH, height, "Pertanyaan per jam (UTC)")]
    for i in range(3):
        y = top + plot_h - plot_h * i / 2
        out.append(_line(left, y, left + plot_w, y, "#e6eaee"))
        out.append(_text(left - 6, y + 4, _n(round(peak * i / 2)), anchor="end"))
    for hour, count in enumerate(stats.hours):
        h = plot_h * count / peak
        x = left + hour * step + step * 0.1
        out.append(
            f"<g><title>{hour:02d}:00 UTC ({(hour + 7) % 24:02d}:00 WIB): "
            f"{_n(count)} pertanyaan</title>"
            f"{_rect(x, top + plot_h - h, step * 0.8, h, RATE_COLOR)}</g>"
        )
        out.append(_text(x + step * 0.4, top + plot_h + 18, f"{hour:02d}"))
    out.append("</svg>")
    busiest = ", ".join(
        f"{h:02d}:00 UTC ({(h + 7) % 24:02d}:00 WIB): {_n(n)}" for h, n in stats.busiest_hours()
    )
    cells = "".join(f"<th class='n'>{h:02d}</th>" for h in range(24))
    counts = "".join(f"<td class='n'>{_n(n)}</td>" for n in stats.hours)
    table = (
        "<details><summary>Tabel per jam</summary><div style='overflow-x:auto'><table>"
        f"<tr><th>Jam UTC</th>{cells}</tr><tr><th>Pertanyaan</th>{counts}</tr></table></div>"
        "</details>"
    )
    return f"<section><h2>{title}</h2><p>Tersibuk: {busiest}</p>{''.join(out)}{table}</section>"


# --------------------------------------------------------------------------- SVG pieces


def _hbars(bars: Sequence[tuple[str, int, str]], label: str) -> str:
    """Horizontal bars: (label, value, colour), in the given order."""
    row, left, right = 26, 330, 70
    height = row * len(bars) + 8
    peak = max((value for _, value, _ in bars), default=1) or 1
    plot_w = WIDTH - left - right
    out = [_svg_open(WIDTH, height, label)]
    for i, (name, value, color) in enumerate(bars):
        y = 4 + i * row
        w = max(plot_w * value / peak, 1)
        out.append(_text(left - 8, y + 16, _short(name, 48), anchor="end"))
        out.append(
            f"<g><title>{_e(name)}: {_n(value)}</title>{_rect(left, y + 3, w, row - 8, color)}</g>"
        )
        out.append(_text(left + w + 6, y + 16, _n(value), anchor="start"))
    out.append("</svg>")
    return "".join(out)


def _diverging(rows: Sequence[tuple[str, int, int]]) -> str:
    """Thumbs down to the left of the axis, thumbs up to the right, one row per entry."""
    row, label_w, room = 26, 250, 60  # room: for the numbers beside the bars
    height = row * len(rows) + 8
    half = (WIDTH - label_w - 10 - 2 * room) / 2
    axis = label_w + 10 + room + half
    peak = max((max(up, down) for _, up, down in rows), default=1) or 1
    out = [_svg_open(WIDTH, height, "Masukan per entri")]
    for i, (name, up, down) in enumerate(rows):
        y = 4 + i * row
        out.append(_text(label_w, y + 16, _short(name, 44), anchor="end"))
        w_down, w_up = half * down / peak, half * up / peak
        out.append(
            f"<g><title>{_e(name)}: {_n(up)} membantu, {_n(down)} kurang tepat</title>"
            f"{_rect(axis - w_down, y + 3, w_down, row - 8, COLORS['no_match'])}"
            f"{_rect(axis, y + 3, w_up, row - 8, COLORS['answered'])}</g>"
        )
        if down:
            out.append(_text(axis - w_down - 5, y + 16, _n(down), anchor="end"))
        if up:
            out.append(_text(axis + w_up + 5, y + 16, _n(up), anchor="start"))
    out.append(_line(axis, 0, axis, height, "#9aa5b1"))
    out.append("</svg>")
    return "".join(out)


def _svg_open(width: float, height: float, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(label)}" style="max-width:{width}px">'
    )


def _rect(x: float, y: float, w: float, h: float, color: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{color}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        'stroke-width="1"/>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = 11,
    fill: str | None = None,
) -> str:
    color = f' style="fill:{fill}"' if fill else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{color}>'
        f"{_e(text)}</text>"
    )


def _legend(items: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<li>{_swatch(color)}{_e(label)}</li>" for color, label in items)
    return f"<ul class='legend'>{body}</ul>"


def _swatch(color: str) -> str:
    return f'<i style="background:{color}"></i>'


# --------------------------------------------------------------------------- formatting


def _pct0(share: float) -> str:
    return pct(share, 0)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _n(value: int) -> str:
    """Indonesian thousands separator: 12.345."""
    return f"{value:,}".replace(",", ".")


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _nice(value: float) -> int:
    """An axis maximum of at least ``value`` (and 2) whose half is a round whole number."""
    if value <= 2:
        return 2
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 4, 6, 8, 10):
        if factor * power >= value and (factor * power) % 2 == 0:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns
