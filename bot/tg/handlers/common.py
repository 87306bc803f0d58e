"""What the handlers share: the services, the user's pseudonym and conversation, flood
control, sending a rendered reply, and logging an event."""

from __future__ import annotations

import logging
import time
from contextlib import suppress

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.core.conversation import conversation_key
from bot.core.flood import FloodGate
from bot.core.models import EventKind
from bot.core.render import Reply, split_message
from bot.querylog import EventRecord, utc_now
from bot.tg import keyboards, texts
from bot.tg.context import BotServices, Context

_LOG = logging.getLogger("bot.tg.handlers")


def services(context: Context) -> BotServices:
    """The bot's shared services (PTB's typed ``bot_data``)."""
    return context.bot_data


def user_key(services: BotServices, update: Update) -> str:
    """The pseudonym logged for the update's sender ("" without one)."""
    user = update.effective_user
    return "" if user is None else services.storage.user_key(user.id)


def conversation_of(services: BotServices, update: Update) -> str:
    """The memory key of the update's conversation: the private chat, or the user within a
    group's thread (two members of a group each have their own follow-ups)."""
    chat = update.effective_chat
    user = update.effective_user
    message = update.effective_message
    thread = message.message_thread_id if message is not None else None
    return conversation_key(
        services.memory_secret,
        chat.id if chat else 0,
        thread or 0,
        user.id if user else 0,
    )


def chat_type(update: Update) -> str:
    """The chat type logged with a question ("inline" without a chat)."""
    chat = update.effective_chat
    return chat.type if chat else "inline"


async def send_reply(message: Message, reply: Reply, qid: str) -> None:
    """Send a rendered reply, split to Telegram's limit; buttons go with the last part."""
    chunks = split_message(reply.html)
    quote = message.chat.type != ChatType.PRIVATE
    for i, chunk in enumerate(chunks):
        markup = keyboards.reply_keyboard(reply.buttons, qid) if i == len(chunks) - 1 else None
        await message.reply_text(chunk, reply_markup=markup, do_quote=quote and i == 0)


def allowed(update: Update, gate: FloodGate) -> tuple[bool, float, bool]:
    """Flood control for the user behind an update: (allowed, seconds to wait, whether this
    is the first refusal of the window). Without a sender, the chat is what is limited."""
    user = update.effective_user
    chat = update.effective_chat
    if user is not None:
        key: object = user.id
    elif chat is not None:
        key = ("chat", chat.id)
    else:
        return True, 0.0, False
    now = time.monotonic()
    if gate.check(key, now):
        return True, 0.0, False
    return False, gate.retry_in(key, now), gate.warn(key, now)


async def within_limit(update: Update, context: Context) -> bool:
    """Flood control for every kind of update the bot acts on: True when the user may go
    on. Over the limit, a button press gets a toast (never a new message) and a message
    gets one "tunggu sebentar" per window; inline queries get nothing."""
    shared = services(context)
    gate = shared.inline_flood if update.inline_query is not None else shared.flood
    ok, wait, first = allowed(update, gate)
    if ok:
        return True
    seconds = max(1, round(wait))
    if update.callback_query is not None:
        with suppress(TelegramError):
            await update.callback_query.answer(texts.TOO_FAST_TOAST.format(seconds=seconds))
        return False
    message = update.effective_message
    if first and message is not None and update.inline_query is None:
        await message.reply_text(texts.TOO_FAST.format(seconds=seconds))
    return False


def log_event(
    services: BotServices, update: Update, kind: EventKind, qid: str | None, entry_id: str | None
) -> None:
    """Log a button press or a vote."""
    services.record(
        update,
        EventRecord(
            time=utc_now(),
            kind=kind,
            user_key=user_key(services, update),
            qid=qid or None,
            entry_id=entry_id,
        ),
    )


async def question_logged(services: BotServices, qid: str) -> bool:
    """Whether question ``qid`` is in the log (False when the log cannot tell)."""
    try:
        return await services.storage.query_logged(qid)
    except Exception:
        _LOG.exception("could not look up question %s", qid)
        return False


async def edit_or_send(message: Message, text: str, markup: InlineKeyboardMarkup) -> None:
    """Replace a keyboard message in place (a menu), or send it anew if it cannot be."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            await message.reply_text(text, reply_markup=markup)
