"""Replies as plain data: text for the console and HTML for Telegram, plus button specs.

Nothing here knows Telegram's types: the bot turns ``Button`` specs into inline keyboards
and the console numbers them. Every piece of knowledge-base or user text placed in HTML
goes through ``html.escape``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from bot.core.matcher import MatchResult
from bot.core.models import STATUS_LABELS, Entry, KnowledgeBase, OffTopic, Source

TELEGRAM_LIMIT: Final = 4096

VERDICT_LABELS: Final = {
    "dilarang": "⛔ DILARANG",
    "boleh": "✅ BOLEH",
    "bersyarat": "⚠️ BERSYARAT",
    "info": "ℹ️ INFO",
}

DISCLAIMER: Final = (
    "Informasi ini bersifat umum, bukan keputusan hukum. Untuk kasus tertentu, "
    "hubungi bagian kepegawaian instansi Anda, BKN, atau Bawaslu."
)

# For a question that belongs to an out-of-scope topic: its title, then the topic's referral.
OFFTOPIC_TEXT: Final = "Maaf, pertanyaan Anda tampaknya tentang {title}, di luar cakupan saya."
NO_MATCH_SCOPE: Final = (
    "Saya hanya menjawab pertanyaan tentang netralitas ASN (PNS dan PPPK) dalam pemilu dan "
    "pilkada: kampanye, media sosial, atribut, sanksi, dan cara melapor."
)
NO_MATCH_TEXT: Final = f"Maaf, saya belum bisa menjawab pertanyaan itu. {NO_MATCH_SCOPE}"
AMBIGUOUS_TEXT: Final = "Maksud Anda:"
# Under the suggestions: the way out when none of them is what the user meant.
AMBIGUOUS_MORE: Final = "Bukan yang Anda maksud? Lihat semua topik: /topik"

# Questions offered when nothing matched: one per popular area.
EXAMPLE_QUESTIONS: Final = (
    "Apakah ASN boleh ikut kampanye?",
    "Bolehkah PNS like postingan calon di media sosial?",
    "Apa sanksi bagi ASN yang tidak netral?",
)

# Replies to messages that are not questions (see bot/core/smalltalk.py), by kind.
SMALLTALK_REPLIES: Final = {
    "salam": (
        "Halo! Saya Netral, asisten tanya-jawab tentang netralitas ASN (PNS dan PPPK) dalam "
        "pemilu dan pilkada. Silakan ketik pertanyaan Anda."
    ),
    "terima_kasih": "Sama-sama, semoga membantu. Silakan bertanya lagi kapan saja. 🙏",
    "oke": "Baik. Jika ada pertanyaan lain tentang netralitas ASN, silakan ketik saja.",
}

# Which part of an answer card a follow-up asked for ("hukumannya?", "aturannya?"): it
# comes right after the verdict line.
Focus = Literal["sanction", "legal"] | None

MONTHS: Final = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
REVIEWED_TEXT: Final = "🗓️ Isi hukum terakhir ditinjau {date}."
SOURCES_LABEL: Final = "📚 Sumber"
BY_STATUS_LABEL: Final = "Menurut status penanya"
GENERAL_LABEL: Final = "Aturan umum"

# A sentence ends at . ! ? followed by a capital, except after these abbreviations.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_ABBREVIATIONS: Final = ("jo.", "No.", "no.", "dll.", "dsb.", "mis.", "hlm.", "tsb.", "dkk.")

ButtonKind = Literal["entry", "suggestion", "related", "sources", "feedback_up", "feedback_down"]


@dataclass(frozen=True, slots=True)
class Button:
    """A button the user can press; ``entry_id`` identifies the entry to show."""

    kind: ButtonKind
    label: str
    entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply in both renderings, with its buttons (one list per keyboard row)."""

    text: str
    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())

    def flat_buttons(self) -> list[Button]:
        """All buttons in reading order."""
        return [b for row in self.buttons for b in row]

    def with_note(self, note: str) -> Reply:
        """The reply with a closing paragraph (plain text) added by the caller, e.g. the
        Telegram side's "your question was noted" once it has logged the question: core
        renders what it knows, never a promise about what the caller does."""
        return Reply(f"{self.text}\n\n{note}", f"{self.html}\n\n{html.escape(note)}", self.buttons)


def verdict_label(verdict: str) -> str:
    """The verdict line, e.g. '⛔ DILARANG'."""
    return VERDICT_LABELS.get(verdict, verdict.upper())


def format_date(day: date) -> str:
    """A date in Indonesian, e.g. '6 Desember 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has one), for one-line summaries."""
    for m in _SENTENCE_END.finditer(text):
        if not text[: m.start()].endswith(_ABBREVIATIONS):
            return text[: m.start()]
    return text


def status_label(status: str) -> str:
    """'PPPK', 'CPNS', ... for a status key."""
    return STATUS_LABELS.get(status, status.upper())


def _source_text(source: Source) -> str:
    return f"{source.label()}: {source.url}" if source.url else source.label()


def _source_html(source: Source) -> str:
    label = html.escape(source.label())
    if not source.url:
        return label
    return f'<a href="{html.escape(source.url, quote=True)}">{label}</a>'


def render_entry(
    entry: Entry,
    kb: KnowledgeBase,
    *,
    status: str | None = None,
    feedback: bool = True,
    focus: Focus = None,
) -> Reply:
    """The answer card: verdict line, answer, legal basis, sanction and review date; related,
    sources and feedback buttons (the sources are a separate reply: see ``render_sources``).

    With the asker's ``status`` (see ``bot.core.asker``) and a note for it, the card opens
    with that status's note (and verdict, and sanction); without one it gives the general
    rule and one line per status the rule treats differently. With a ``focus`` (a follow-up
    asked "hukumannya?" or "aturannya?") the sanction or the legal basis comes right after
    the verdict line.
    """
    note = entry.for_status(status)
    verdict = entry.verdict
    if note is not None and note.verdict and note.verdict != entry.verdict and status:
        verdict = note.verdict
        head = f"{verdict_label(verdict)} bagi {status_label(status)}"
    elif entry.verdict_note:
        head = f"{verdict_label(verdict)} ({entry.verdict_note})"
    else:
        head = verdict_label(verdict)
    # Each section is a list of (text, html) parts, in the card's order.
    answer: list[tuple[str, str]] = []
    if note is not None and status:
        who = status_label(status)
        answer += [
            (
                f"Untuk {who}: {note.note}",
                f"<b>Untuk {html.escape(who)}:</b> {html.escape(note.note)}",
            ),
            (
                f"{GENERAL_LABEL}: {entry.answer}",
                f"<b>{GENERAL_LABEL}:</b> {html.escape(entry.answer)}",
            ),
        ]
    else:
        answer.append((entry.answer, html.escape(entry.answer)))
        if entry.by_status:
            lines = [(status_label(s), first_sentence(n.note)) for s, n in entry.by_status]
            answer.append(
                (
                    "\n".join([f"{BY_STATUS_LABEL}:"] + [f"• {w}: {t}" for w, t in lines]),
                    "\n".join(
                        [f"<b>{BY_STATUS_LABEL}:</b>"]
                        + [f"• <b>{html.escape(w)}:</b> {html.escape(t)}" for w, t in lines]
                    ),
                )
            )
    legal: list[tuple[str, str]] = []
    if entry.legal_basis:
        text_lines = ["Dasar hukum:"]
        html_lines = ["<b>Dasar hukum:</b>"]
        for basis in entry.legal_basis:
            quote = f": {basis.quote}" if basis.quote else ""
            text_lines.append(f"• {basis.citation()}{quote}")
            html_lines.append(
                f"• {html.escape(basis.citation())}"
                + (f": <i>{html.escape(basis.quote)}</i>" if basis.quote else "")
            )
        legal.append(("\n".join(text_lines), "\n".join(html_lines)))
    sanction: list[tuple[str, str]] = []
    if note is not None and note.sanction and status:
        who = status_label(status)
        sanction.append(
            (
                f"Sanksi bagi {who}: {note.sanction}",
                f"<b>Sanksi bagi {html.escape(who)}:</b> {html.escape(note.sanction)}",
            )
        )
        if entry.sanction:
            general = GENERAL_LABEL.lower()
            sanction.append(
                (
                    f"Sanksi ({general}): {entry.sanction}",
                    f"<b>Sanksi ({general}):</b> {html.escape(entry.sanction)}",
                )
            )
    elif entry.sanction:
        sanction.append(
            (f"Sanksi: {entry.sanction}", f"<b>Sanksi:</b> {html.escape(entry.sanction)}")
        )
    footer: list[tuple[str, str]] = []
    reviewed = entry.reviewed or kb.reviewed
    if reviewed is not None:
        line = REVIEWED_TEXT.format(date=format_date(reviewed))
        footer.append((line, f"<i>{html.escape(line)}</i>"))
    if focus == "sanction" and sanction:
        body = [*sanction, *answer, *legal]
    elif focus == "legal" and legal:
        body = [*legal, *answer, *sanction]
    else:
        body = [*answer, *legal, *sanction]
    parts = [
        (f"{head} — {entry.title}", f"<b>{html.escape(head)} — {html.escape(entry.title)}</b>")
    ]
    parts += [*body, *footer]
    text_parts = [t for t, _ in parts]
    html_parts = [h for _, h in parts]
    rows: list[tuple[Button, ...]] = []
    related = [kb.get(r) for r in entry.related]
    for rel in (r for r in related if r is not None):
        rows.append((Button("related", f"➡️ {rel.title}", rel.id),))
    if entry.sources:
        rows.append((Button("sources", SOURCES_LABEL, entry.id),))
    if feedback:
        rows.append(
            (
                Button("feedback_up", "👍 Membantu", entry.id),
                Button("feedback_down", "👎 Kurang tepat", entry.id),
            )
        )
    return Reply("\n\n".join(text_parts), "\n\n".join(html_parts), tuple(rows))


def render_sources(entry: Entry) -> Reply:
    """The '📚 Sumber' reply: the regulations and public pages an entry rests on."""
    title = f"{SOURCES_LABEL} — {entry.title}"
    text_lines = [title] + [f"• {_source_text(s)}" for s in entry.sources]
    html_lines = [f"<b>{html.escape(title)}</b>"] + [f"• {_source_html(s)}" for s in entry.sources]
    if entry.reviewed is not None:
        footer = REVIEWED_TEXT.format(date=format_date(entry.reviewed))
        text_lines += ["", footer]
        html_lines += ["", f"<i>{html.escape(footer)}</i>"]
    return Reply("\n".join(text_lines), "\n".join(html_lines))


def render_ambiguous(result: MatchResult) -> Reply:
    """'Maksud Anda:' with one button per suggestion."""
    lines = [AMBIGUOUS_TEXT]
    for i, c in enumerate(result.candidates, 1):
        lines.append(f"{i}. {c.entry.canonical_question}")
    rows = tuple(
        (Button("suggestion", c.entry.canonical_question, c.entry.id),) for c in result.candidates
    )
    html_lines = [f"<b>{AMBIGUOUS_TEXT}</b>"] + [html.escape(x) for x in lines[1:]]
    lines += ["", AMBIGUOUS_MORE]
    html_lines += ["", html.escape(AMBIGUOUS_MORE)]
    return Reply("\n".join(lines), "\n".join(html_lines), rows)


def render_no_match(*, topic: OffTopic | None = None) -> Reply:
    """A polite 'I cannot answer that', what the bot answers, and example questions.

    With the out-of-scope topic the question belongs to, the reply names it and says
    where to ask instead.
    """
    examples = "\n".join(f"• {q}" for q in EXAMPLE_QUESTIONS)
    head = NO_MATCH_TEXT
    html_head = html.escape(NO_MATCH_TEXT)
    if topic is not None:
        lead = OFFTOPIC_TEXT.format(title=topic.title)
        head = f"{lead} {topic.referral}\n\n{NO_MATCH_SCOPE}"
        html_head = (
            f"{html.escape(lead)} {html.escape(topic.referral)}\n\n{html.escape(NO_MATCH_SCOPE)}"
        )
    text = f"{head}\n\nContoh pertanyaan:\n{examples}"
    html_text = f"{html_head}\n\n<b>Contoh pertanyaan:</b>\n{html.escape(examples)}"
    return Reply(text, html_text)


def render_status_prompt(status: str) -> Reply:
    """The reply to a message that only names the asker's status ("kalau saya pppk?") with
    no question before it: the status is noted, the question is asked for."""
    label = STATUS_LABELS.get(status, status.upper())
    text = (
        f"Baik, saya catat Anda {label}. Apa yang ingin Anda tanyakan? Tulis perbuatannya, "
        f'misalnya: "{label} boleh like postingan caleg?" atau "{label} boleh ikut '
        'kampanye?". Jawabannya akan saya sesuaikan untuk status Anda.'
    )
    return Reply(text, html.escape(text))


def render_smalltalk(kind: str) -> Reply:
    """A friendly reply to a greeting, thanks or acknowledgement; a greeting gets examples."""
    text = SMALLTALK_REPLIES.get(kind, SMALLTALK_REPLIES["oke"])
    if kind != "salam":
        return Reply(text, html.escape(text))
    examples = "\n".join(f"• {q}" for q in EXAMPLE_QUESTIONS)
    return Reply(
        f"{text}\n\nContoh pertanyaan:\n{examples}",
        f"{html.escape(text)}\n\n<b>Contoh pertanyaan:</b>\n{html.escape(examples)}",
    )


def render_result(result: MatchResult, kb: KnowledgeBase, *, status: str | None = None) -> Reply:
    """The reply for any match outcome; ``status`` is the asker's, when known."""
    if result.entry is not None:
        return render_entry(result.entry, kb, status=status)
    if result.status == "ambiguous":
        return render_ambiguous(result)
    return render_no_match(topic=result.offtopic)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split text into chunks of at most ``limit`` characters at paragraph boundaries.

    Falls back to line and then word boundaries, and only cuts inside a word when a single
    word is longer than the limit. HTML callers must split before inserting tags, or split
    rendered HTML whose paragraphs are self-contained (as ``render_entry`` produces).
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for piece in text.split("\n\n"):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if len(piece) <= limit:
            current = piece
        else:
            parts = _split_long(piece, limit)
            chunks.extend(parts[:-1])
            current = parts[-1]
    if current:
        chunks.append(current)
    return chunks


def _split_long(text: str, limit: int) -> list[str]:
    """Split one paragraph by lines, then words, then hard cuts."""
    out: list[str] = []
    current = ""
    for sep, unit in _units(text, limit):
        candidate = f"{current}{sep}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                out.append(current)
            current = unit
    if current:
        out.append(current)
    return out


def _units(text: str, limit: int) -> list[tuple[str, str]]:
    units: list[tuple[str, str]] = []
    for line in text.split("\n"):
        sep = "\n"
        for word in line.split(" "):
            while len(word) > limit:
                units.append((sep, word[:limit]))
                word, sep = word[limit:], " "
            units.append((sep, word))
            sep = " "
    return units
