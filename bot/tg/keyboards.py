"""Callback data and inline keyboards: ids only, never question text, within 64 bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.models import EventKind, KnowledgeBase
from bot.core.render import Button

CALLBACK_LIMIT: Final = 64  # bytes, Telegram's limit for callback_data
SEP: Final = ":"

# Callback data layouts:
#   e:<entry_id>:<qid>:<kind>  show an entry (kind: s = suggestion, r = related, t = topik)
#                              or its sources (kind: x)
#   f:<u|d>:<entry_id>:<qid>   feedback on the answer to question <qid>
#   t                          the list of categories (/topik)
#   c:<category_id>            the entries of a category
_KIND_CODES: Final = {"suggestion": "s", "related": "r", "entry": "t", "sources": "x"}
_CODE_KINDS: Final = {v: k for k, v in _KIND_CODES.items()}
# What opening an entry by each kind of button is in the log (sources are not logged).
_ENTRY_EVENTS: Final[dict[str, EventKind]] = {
    "suggestion": "suggestion_pick",
    "related": "related",
    "entry": "button",
}


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed callback_data string."""

    action: str  # entry | feedback | topics | category
    target: str = ""  # entry or category id
    qid: str = ""
    kind: str = ""  # for entry: suggestion | related | entry | sources; for feedback: up | down

    @property
    def event(self) -> EventKind | None:
        """The query-log event of this press (None: not logged): the one translation from
        button kinds to :data:`bot.core.models.EventKind`."""
        if self.action == "feedback":
            return "feedback_up" if self.kind == "up" else "feedback_down"
        if self.action == "entry":
            return _ENTRY_EVENTS.get(self.kind)
        return None


def encode(action: str, *parts: str) -> str:
    """Join a callback, checking Telegram's 64-byte limit."""
    data = SEP.join((action, *parts))
    if len(data.encode("utf-8")) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


def button_data(button: Button, qid: str) -> str:
    """Callback data for a rendered button of the answer to question ``qid``."""
    entry_id = button.entry_id or ""
    if button.kind == "feedback_up":
        return encode("f", "u", entry_id, qid)
    if button.kind == "feedback_down":
        return encode("f", "d", entry_id, qid)
    return encode("e", entry_id, qid, _KIND_CODES[button.kind])


def parse(data: str | None) -> Callback | None:
    """Parse callback data; None for anything malformed or foreign."""
    if not data:
        return None
    parts = data.split(SEP)
    match parts:
        case ["e", entry_id, qid, code] if entry_id and code in _CODE_KINDS:
            return Callback("entry", entry_id, qid, _CODE_KINDS[code])
        case ["f", ("u" | "d") as vote, entry_id, qid] if entry_id:
            return Callback("feedback", entry_id, qid, "up" if vote == "u" else "down")
        case ["t"]:
            return Callback("topics")
        case ["c", category] if category:
            return Callback("category", category)
    return None


def reply_keyboard(rows: tuple[tuple[Button, ...], ...], qid: str) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a rendered reply, or None when it has no buttons."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=button_data(b, qid)) for b in row]
            for row in rows
        ]
    )


def topics_keyboard(kb: KnowledgeBase) -> InlineKeyboardMarkup:
    """One button per category."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"📂 {c.title}", callback_data=encode("c", c.id))]
            for c in kb.categories
        ]
    )


def category_keyboard(kb: KnowledgeBase, category_id: str) -> InlineKeyboardMarkup | None:
    """One button per entry of a category, and a back button; None for an unknown id."""
    category = next((c for c in kb.categories if c.id == category_id), None)
    if category is None:
        return None
    rows = []
    for entry_id in category.entry_ids:
        entry = kb.get(entry_id)
        if entry is not None:
            rows.append(
                [InlineKeyboardButton(entry.title, callback_data=encode("e", entry.id, "", "t"))]
            )
    rows.append([InlineKeyboardButton("⬅️ Kembali", callback_data=encode("t"))])
    return InlineKeyboardMarkup(rows)


def examples_keyboard(
    questions: tuple[str, ...], kb: KnowledgeBase, entry_ids: tuple[str, ...]
) -> InlineKeyboardMarkup:
    """Example questions as buttons that open their entries (for /start)."""
    rows = []
    for question, entry_id in zip(questions, entry_ids, strict=True):
        if kb.get(entry_id) is not None:
            rows.append(
                [InlineKeyboardButton(question, callback_data=encode("e", entry_id, "", "t"))]
            )
    return InlineKeyboardMarkup(rows)
