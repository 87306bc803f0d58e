"""User-facing texts of the Telegram bot, in Bahasa Indonesia (HTML where noted)."""

from __future__ import annotations

import html
from datetime import UTC, timedelta
from typing import Final

from bot.core.render import DISCLAIMER
from bot.review.clusters import ClusterReport
from bot.review.labels import STATUS_LABELS
from bot.review.stats import LogStats
from bot.settings import RECENT_DAYS

# Closes a no-match reply once its question is in the log (added by the handler that logs
# it, never by core: `netral ask` logs nothing and must not say this).
NOTED: Final = "Pertanyaan Anda sudah dicatat untuk ditinjau admin."

# (command, description) for setMyCommands: the menu Telegram shows.
COMMANDS: Final = (
    ("start", "Mulai dan lihat contoh pertanyaan"),
    ("tanya", "Ajukan pertanyaan, misal: /tanya bolehkah ASN ikut kampanye"),
    ("topik", "Jelajahi topik netralitas ASN"),
    ("help", "Cara menggunakan bot ini"),
    ("tentang", "Sumber jawaban dan penafian"),
)

# Example questions for /start, each with the entry it opens.
START_EXAMPLES: Final = (
    ("Bolehkah ASN like postingan calon?", "medsos-like-share-komentar"),
    ("Bolehkah ASN ikut kampanye?", "ikut-kampanye"),
    ("Apa sanksi ASN yang tidak netral?", "sanksi-disiplin"),
)

START_HTML: Final = (
    "Halo! Saya <b>Netral</b>, asisten tanya-jawab <b>netralitas ASN</b> (PNS dan PPPK) "
    "dalam pemilu dan pilkada.\n\n"
    "Tulis pertanyaan Anda dengan bahasa sehari-hari, misalnya "
    '<i>"boleh gak pns like postingan capres?"</i>. Saya jawab dengan putusan '
    "(boleh/dilarang), dasar hukum, dan sanksinya.\n\n"
    "Coba salah satu contoh di bawah, atau buka /topik.\n\n"
    f"<i>{DISCLAIMER}</i>"
)

HELP_HTML: Final = (
    "<b>Cara bertanya</b>\n"
    "• Di chat pribadi: tulis saja pertanyaannya.\n"
    "• Di grup: sebut saya (@{username}), balas pesan saya, atau pakai "
    "<code>/tanya pertanyaan</code>.\n"
    "• Di chat mana pun: ketik <code>@{username} kata kunci</code> untuk mencari jawaban.\n\n"
    "<b>Perintah</b>\n"
    "/topik — daftar topik\n/tentang — sumber dan penafian\n/start — contoh pertanyaan\n\n"
    "Jika jawaban kurang tepat, tekan 👎 agar admin dapat memperbaikinya."
)

ABOUT_HTML: Final = (
    "<b>Tentang Netral</b>\n\n"
    "Jawaban disusun dari peraturan yang berlaku, antara lain UU 20/2023 tentang ASN, "
    "PP 94/2021 tentang Disiplin PNS, PP 42/2004 tentang Kode Etik PNS, SKB 5 instansi 2022 "
    "tentang Netralitas ASN, SE Menteri PANRB 18/2023, UU 7/2017 tentang Pemilu, dan "
    "UU 1/2015 sebagaimana telah diubah terakhir dengan UU 6/2020 (UU Pilkada); bagi PPPK "
    "juga PP 49/2018 tentang Manajemen PPPK. Sejak kewenangan KASN dialihkan (UU 20/2023 "
    "Pasal 70 ayat (3); 2024), pengawasan netralitas ASN berada di BKN; selama pemilu juga "
    "diawasi Bawaslu. Setiap jawaban mencantumkan sumbernya (📚 Sumber).\n\n"
    f"<i>{DISCLAIMER}</i>"
)
# Appended to /tentang: when the legal content of the knowledge base was last checked.
ABOUT_REVIEWED: Final = "\n\n🗓️ Isi hukum terakhir ditinjau: {date}."

TOPICS_HTML: Final = "<b>Topik netralitas ASN</b>\nPilih topik:"
CATEGORY_HTML: Final = "<b>{title}</b>\nPilih pertanyaan:"
NON_TEXT: Final = (
    "Maaf, saya hanya bisa membaca pertanyaan berbentuk teks. "
    "Silakan ketik pertanyaan Anda, misalnya: bolehkah ASN ikut kampanye?"
)
EMPTY_QUESTION: Final = (
    "Silakan tulis pertanyaannya setelah perintah, misalnya: "
    "<code>/tanya bolehkah ASN ikut kampanye</code>"
)
TOO_FAST: Final = (
    "Mohon tunggu sebentar ⏳ Anda mengirim banyak pertanyaan dalam waktu singkat. "
    "Silakan coba lagi dalam {seconds} detik."
)
UNKNOWN_ENTRY: Final = "Maaf, topik itu tidak ditemukan. Silakan buka /topik."
FEEDBACK_THANKS: Final = "Terima kasih atas masukan Anda 🙏"
ADMIN_ONLY: Final = "Perintah ini khusus admin."
ADMIN_PRIVATE_ONLY: Final = (
    "Perintah admin hanya dijawab lewat chat pribadi dengan bot. Silakan kirim di sana."
)
TOO_FAST_TOAST: Final = "Mohon tunggu sebentar ⏳ Coba lagi dalam {seconds} detik."
ERROR_REPLY: Final = (
    "Maaf, terjadi gangguan saat memproses pertanyaan Anda. Silakan coba lagi sebentar lagi."
)
RELOAD_OK: Final = "✅ Basis pengetahuan dimuat ulang: {entries} entri, {phrasings} frasa."
RELOAD_FAILED: Final = (
    "❌ Basis pengetahuan TIDAK dimuat ulang; versi lama tetap dipakai.\n"
    "Kesalahan ({count}):\n{errors}"
)


# ---------------------------------------------- admin commands: /stats, /unanswered, /laporan


def format_stats_html(stats: LogStats) -> str:
    """/stats: volumes, status shares, top entries and feedback (HTML)."""
    today = stats.generated.astimezone(UTC).date()
    lines = [
        "<b>Statistik pertanyaan</b>",
        f"Hari ini: {stats.questions_since(today)} · "
        f"7 hari: {stats.questions_since(today - timedelta(days=6))} · Total: {stats.total}",
        f"Pengguna berbeda: {stats.users}",
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
    worst = stats.most_down(3)
    if worst:
        lines.append(
            "Paling banyak 👎: "
            + ", ".join(f"{html.escape(f.entry_id or '?')} ({f.down})" for f in worst)
        )
    busiest = stats.busiest_hours(3)
    if busiest:
        lines.append(
            "Jam tersibuk (WIB): " + ", ".join(f"{(h + 7) % 24:02d}:00 ({n})" for h, n in busiest)
        )
    return "\n".join(lines)


def format_clusters_html(report: ClusterReport, days: int = RECENT_DAYS) -> str:
    """/unanswered: the biggest clusters of unanswered questions of the last ``days`` days
    (HTML)."""
    if not report.clusters:
        return f"Belum ada pertanyaan yang tidak terjawab dalam {days} hari terakhir."
    lines = [
        f"<b>{report.total} pertanyaan belum terjawab ({days} hari), "
        f"{report.cluster_count} kelompok</b>",
    ]
    for i, cluster in enumerate(report.clusters, 1):
        nearest = (
            f"terdekat: {html.escape(cluster.nearest)} ({cluster.score:.2f})"
            if cluster.nearest
            else "tanpa entri terdekat"
        )
        if cluster.offtopic:
            nearest += f"; di luar cakupan: {html.escape(cluster.offtopic)}"
        lines.append("")
        lines.append(
            f"{i}. <b>{cluster.size}×</b> “{html.escape(cluster.label[:200])}” — {nearest}; "
            f"terakhir <i>{cluster.last:%Y-%m-%d %H:%M} UTC</i>"
        )
        for other in cluster.examples[1:]:
            lines.append(f"   · {html.escape(other[:200])}")
    lines += ["", "Saran YAML: <code>netral logs suggest</code>"]
    return "\n".join(lines)


def report_caption(period_text: str) -> str:
    """The caption of the /laporan document."""
    return (
        f"Laporan pertanyaan Netral, periode {html.escape(period_text)}. "
        "Buka berkas ini di peramban (bisa tanpa internet)."
    )


LAPORAN_USAGE: Final = (
    f"Periode tidak dikenali. Contoh: <code>/laporan</code> ({RECENT_DAYS} hari), "
    "<code>/laporan 7d</code>, <code>/laporan 2026-11-01</code>, <code>/laporan semua</code>."
)
