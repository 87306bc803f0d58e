"""User-facing texts of the Telegram bot, in Bahasa Indonesia (HTML where noted)."""

from __future__ import annotations

from typing import Final

from bot.core.render import DISCLAIMER

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
