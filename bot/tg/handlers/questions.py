"""Questions: a text addressed to the bot, or /tanya, answered by the engine and logged.

In a private chat every text is a question; in a group only a mention of the bot or a
reply to it (:func:`addressed_text`). The answer is logged (small talk is not), and a
no-match reply then says the question was noted for the admins.
"""

from __future__ import annotations

import asyncio
import re
import time

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.core.conversation import Turn
from bot.core.engine import Answer, Engine
from bot.querylog import new_qid, question_record
from bot.tg import texts
from bot.tg.context import BotServices, Context
from bot.tg.handlers.common import (
    chat_type,
    conversation_of,
    send_reply,
    services,
    user_key,
    within_limit,
)


async def answer_question(update: Update, context: Context, text: str, source: str) -> None:
    """Match ``text``, reply with the card, suggestions or a polite no-match, and log it.

    Matching runs in a worker thread so that one slow question never holds up other chats.
    The question is logged before the reply is sent: it is in the log even when Telegram
    refuses the reply.
    """
    message = update.effective_message
    if message is None:
        return
    shared = services(context)
    key = conversation_of(shared, update)
    answer, elapsed_ms = await asyncio.to_thread(
        _timed_converse, shared.engine, text, shared.memory.recall(key)
    )
    if answer.turn is not None:
        shared.memory.remember(key, answer.turn)
    qid = new_qid()
    reply = answer.reply
    logged = _log_question(shared, update, text, answer, qid, source, elapsed_ms)
    if logged and answer.result.status == "no_match":
        reply = reply.with_note(texts.NOTED)
    await send_reply(message, reply, qid)


def _timed_converse(engine: Engine, text: str, turn: Turn | None) -> tuple[Answer, float]:
    """The engine's answer and the matching time in ms: what ``elapsed_ms`` means in the
    log (no thread hand-off, no Telegram, no reply)."""
    started = time.perf_counter()
    answer = engine.converse(text, turn)
    return answer, (time.perf_counter() - started) * 1000


def _log_question(
    shared: BotServices,
    update: Update,
    text: str,
    answer: Answer,
    qid: str,
    source: str,
    elapsed_ms: float,
) -> bool:
    """Log the question; False for small talk, which is not logged."""
    if answer.smalltalk is not None:
        return False  # small talk ("makasih", "halo") is not a question to review
    shared.record(
        update,
        question_record(
            text,
            answer,
            chat_type=chat_type(update),
            user_key=user_key(shared, update),
            source=source,
            elapsed_ms=elapsed_ms,
            qid=qid,
        ),
    )
    return True


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The question in a message meant for the bot, or None for chatter not addressed to it.

    Private chats: every text. Groups: only a message that mentions the bot or replies to one
    of its messages (commands have their own handlers). The mention itself is removed.
    """
    text = message.text or message.caption
    if text is None:
        return None
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".lower()
    pattern = re.compile(re.escape(f"@{bot_username}") + r"(?!\w)", re.IGNORECASE)
    try:
        entities = message.parse_entities() if message.text else message.parse_caption_entities()
        mentioned = any(
            e.type == MessageEntityType.MENTION and value.lower() == mention
            for e, value in entities.items()
        )
    except (UnicodeDecodeError, ValueError, IndexError):
        # Entity offsets that do not fit the text (only a forged update has them): look for
        # the mention in the text itself.
        mentioned = pattern.search(text) is not None
    if mentioned:
        # Cut on the original text: an index found in text.lower() can be off, because
        # lowering changes the length of some letters (İ becomes two code points).
        return pattern.sub("", text, count=1).strip()
    return text if _replies_to_bot(message, bot_id) else None


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


async def text_message(update: Update, context: Context) -> None:
    """A text (or captioned photo) addressed to the bot: answer it."""
    message = update.effective_message
    if message is None:
        return
    text = addressed_text(message, context.bot.username or "", context.bot.id)
    if text is None:
        return  # group chatter: neither answered nor logged
    if not await within_limit(update, context):
        return
    if not text.strip():
        await message.reply_text(texts.NON_TEXT)
        return
    await answer_question(update, context, text, "message")


async def non_text_message(update: Update, context: Context) -> None:
    """Stickers, voice, photos without caption...: ask for a text question (private only)."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE and not _replies_to_bot(message, context.bot.id):
        return
    if await within_limit(update, context):
        await message.reply_text(texts.NON_TEXT)


async def ask_command(update: Update, context: Context) -> None:
    """/tanya <question>: the way to ask in groups."""
    message = update.effective_message
    if message is None or not await within_limit(update, context):
        return
    question = " ".join(context.args or ()).strip()
    if not question:
        await message.reply_text(texts.EMPTY_QUESTION)
        return
    await answer_question(update, context, question, "command")


# Edited messages are ignored on purpose (filters.UpdateType.MESSAGE): an edit is not a new
# question. Text (incl. captions) before the non-text fallback.
_NEW = filters.UpdateType.MESSAGE
HANDLERS: list[BaseHandler[Update, Context, object]] = [
    CommandHandler("tanya", ask_command, filters=_NEW),
    MessageHandler(_NEW & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, text_message),
    MessageHandler(
        _NEW & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL, non_text_message
    ),
]
