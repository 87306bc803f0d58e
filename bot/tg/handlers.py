"""Telegram handlers: read the text, ask the engine, reply, log. Nothing else lives here."""

from __future__ import annotations

import asyncio
import html
import logging
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, TelegramError

from bot.core.conversation import conversation_key
from bot.core.engine import MAX_QUESTION_CHARS, Answer
from bot.core.render import Reply, format_date, render_entry, render_sources, split_message
from bot.knowledge import load_knowledge
from bot.records import question_record
from bot.report_html import build_report
from bot.reports import LAPORAN_USAGE, format_clusters_html, format_stats_html, report_caption
from bot.review import Period, PeriodError, compute_stats, parse_moment, unanswered_clusters
from bot.storage import EventRecord, new_qid
from bot.tg import keyboards, texts
from bot.tg.state import BotServices, Context

_LOG = logging.getLogger(__name__)


# -- helpers ------------------------------------------------------------------------


def _services(context: Context) -> BotServices:
    return context.bot_data


def _user_key(services: BotServices, update: Update) -> str:
    user = update.effective_user
    if services.storage is None or user is None:
        return ""
    return services.storage.user_key(user.id)


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


def _chat_type(update: Update) -> str:
    chat = update.effective_chat
    return chat.type if chat else "inline"


async def send_reply(message: Message, reply: Reply, qid: str) -> None:
    """Send a rendered reply, split to Telegram's limit; buttons go with the last part."""
    chunks = split_message(reply.html)
    quote = message.chat.type != ChatType.PRIVATE
    for i, chunk in enumerate(chunks):
        markup = keyboards.reply_keyboard(reply.buttons, qid) if i == len(chunks) - 1 else None
        await message.reply_text(chunk, reply_markup=markup, do_quote=quote and i == 0)


def _allowed(services: BotServices, update: Update) -> tuple[bool, float]:
    """Flood control for the user behind an update: (allowed, seconds to wait)."""
    user = update.effective_user
    if user is None:
        return True, 0.0
    now = time.monotonic()
    if services.flood.check(user.id, now):
        return True, 0.0
    return False, services.flood.retry_in(user.id, now) if services.flood.warn(user.id, now) else -1


async def answer_question(update: Update, context: Context, text: str, source: str) -> None:
    """Match ``text``, reply with the card, suggestions or a polite no-match, and log it."""
    message = update.effective_message
    if message is None:
        return
    services = _services(context)
    allowed, wait = _allowed(services, update)
    if not allowed:
        if wait >= 0:
            await message.reply_text(texts.TOO_FAST.format(seconds=max(1, round(wait))))
        return
    started = time.perf_counter()
    key = conversation_of(services, update)
    answer: Answer = services.require_engine().converse(text, services.memory.recall(key))
    if answer.turn is not None:
        services.memory.remember(key, answer.turn)
    qid = new_qid()
    await send_reply(message, answer.reply, qid)
    _log_question(services, update, text, answer, qid, source, started)


def _log_question(
    services: BotServices,
    update: Update,
    text: str,
    answer: Answer,
    qid: str,
    source: str,
    started: float,
) -> None:
    if services.writer is None or answer.smalltalk is not None:
        return  # small talk ("makasih", "halo") is not a question to review
    services.writer.submit(
        question_record(
            text,
            answer,
            chat_type=_chat_type(update),
            user_key=_user_key(services, update),
            source=source,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            qid=qid,
        )
    )


def _log_event(
    services: BotServices, update: Update, kind: str, qid: str | None, entry_id: str | None
) -> None:
    if services.writer is None:
        return
    services.writer.submit(
        EventRecord(
            time=datetime.now(UTC),
            kind=kind,
            user_key=_user_key(services, update),
            qid=qid or None,
            entry_id=entry_id,
        )
    )


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
    entities = message.parse_entities() if message.text else message.parse_caption_entities()
    mentioned = any(
        e.type == MessageEntityType.MENTION and value.lower() == mention
        for e, value in entities.items()
    )
    if mentioned:
        start = text.lower().find(mention)
        return (text[:start] + text[start + len(mention) :]).strip()
    return text if _replies_to_bot(message, bot_id) else None


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


# -- commands -----------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Greet, or open one entry for a deep link /start <id>."""
    message = update.effective_message
    if message is None:
        return
    engine = _services(context).require_engine()
    if context.args:
        reply = engine.show(context.args[0])
        if reply is not None:
            _log_event(_services(context), update, "button", None, context.args[0])
            await send_reply(message, reply, "")
            return
    examples = tuple(q for q, _ in texts.START_EXAMPLES)
    ids = tuple(i for _, i in texts.START_EXAMPLES)
    await message.reply_text(
        texts.START_HTML, reply_markup=keyboards.examples_keyboard(examples, engine.kb, ids)
    )


async def help_command(update: Update, context: Context) -> None:
    """Explain how to ask, in private chats, groups and inline."""
    if update.effective_message:
        username = html.escape(context.bot.username or "bot")
        await update.effective_message.reply_text(texts.HELP_HTML.format(username=username))


async def about(update: Update, context: Context) -> None:
    """Sources, disclaimer and when the knowledge base was last reviewed."""
    if update.effective_message:
        engine = _services(context).engine
        reviewed = engine.kb.reviewed if engine is not None else None
        when = texts.ABOUT_REVIEWED.format(date=format_date(reviewed)) if reviewed else ""
        await update.effective_message.reply_text(texts.ABOUT_HTML + when)


async def topics(update: Update, context: Context) -> None:
    """Categories as an inline keyboard."""
    if update.effective_message:
        kb = _services(context).require_engine().kb
        await update.effective_message.reply_text(
            texts.TOPICS_HTML, reply_markup=keyboards.topics_keyboard(kb)
        )


async def ask_command(update: Update, context: Context) -> None:
    """/tanya <question>: the way to ask in groups."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or ()).strip()
    if not question:
        await message.reply_text(texts.EMPTY_QUESTION)
        return
    await answer_question(update, context, question, "command")


# -- messages -----------------------------------------------------------------------


async def text_message(update: Update, context: Context) -> None:
    """A text (or captioned photo) addressed to the bot: answer it."""
    message = update.effective_message
    if message is None:
        return
    text = addressed_text(message, context.bot.username or "", context.bot.id)
    if text is None:
        return  # group chatter: neither answered nor logged
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
    await message.reply_text(texts.NON_TEXT)


# -- buttons and inline mode --------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    """Every button press: answer the callback first, then show or acknowledge."""
    query = update.callback_query
    if query is None:
        return
    services = _services(context)
    data = keyboards.parse(query.data)
    kb = services.require_engine().kb
    if data is None:
        await query.answer()
        return
    if data.action == "feedback":
        await query.answer(texts.FEEDBACK_THANKS)
        _log_event(services, update, f"feedback_{data.kind}", data.qid, data.target)
        return
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    if data.action == "topics":
        if message:
            await _edit_or_send(message, texts.TOPICS_HTML, keyboards.topics_keyboard(kb))
        return
    if data.action == "category":
        markup = keyboards.category_keyboard(kb, data.target)
        category = next((c for c in kb.categories if c.id == data.target), None)
        if message and markup and category:
            body = texts.CATEGORY_HTML.format(title=html.escape(category.title))
            await _edit_or_send(message, body, markup)
        return
    entry = kb.get(data.target)
    if message is None:
        return
    if entry is None:
        await message.reply_text(texts.UNKNOWN_ENTRY)
        return
    if data.kind == "sources":
        await send_reply(message, render_sources(entry), data.qid or new_qid())
        return
    kind = {"suggestion": "suggestion_pick", "related": "related"}.get(data.kind, "button")
    _log_event(services, update, kind, data.qid, entry.id)
    key = conversation_of(services, update)
    previous = services.memory.recall(key)
    turn = services.require_engine().chose(entry.id, previous)
    if turn is not None:
        services.memory.remember(key, turn)
    status = previous.status if previous else None
    await send_reply(message, render_entry(entry, kb, status=status), data.qid or new_qid())


async def _edit_or_send(message: Message, text: str, markup: object) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            await message.reply_text(text, reply_markup=markup)  # type: ignore[arg-type]


async def inline_query(update: Update, context: Context) -> None:
    """@bot keywords in any chat: up to 10 entries, each sending its answer card."""
    query = update.inline_query
    if query is None:
        return
    engine = _services(context).require_engine()
    text = query.query[:MAX_QUESTION_CHARS].strip()
    candidates = engine.matcher.search(text, limit=10) if text else []
    entries = [c.entry for c in candidates] or [
        e for e in (engine.kb.get(i) for _, i in texts.START_EXAMPLES) if e
    ]
    results = []
    for entry in entries[:10]:
        reply = render_entry(entry, engine.kb, feedback=False)
        body = split_message(reply.html)[0]
        results.append(
            InlineQueryResultArticle(
                id=uuid4().hex,
                title=entry.title,
                description=entry.canonical_question,
                input_message_content=InputTextMessageContent(body),
            )
        )
    await query.answer(results, cache_time=60)


# -- admin --------------------------------------------------------------------------


async def _admin_message(update: Update, context: Context) -> Message | None:
    """The message of an admin command, or None after refusing a non-admin."""
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return None
    if user is None or user.id not in _services(context).settings.admin_ids:
        await message.reply_text(texts.ADMIN_ONLY)
        return None
    return message


async def stats(update: Update, context: Context) -> None:
    """/stats for admins: volumes, shares, top entries, feedback (as ``netral logs stats``)."""
    message = await _admin_message(update, context)
    services = _services(context)
    if message is None or services.storage is None:
        return
    if services.writer:
        await services.writer.flush()
    summary = await compute_stats(services.storage, Period(), now=datetime.now(UTC), top=5)
    await message.reply_text(format_stats_html(summary))


# /unanswered and /laporan look at this many recent days by default.
RECENT_DAYS = 30


async def unanswered(update: Update, context: Context) -> None:
    """/unanswered for admins: the biggest clusters of the last 30 days' unanswered
    questions (as ``netral logs unanswered``)."""
    message = await _admin_message(update, context)
    services = _services(context)
    if message is None or services.storage is None:
        return
    if services.writer:
        await services.writer.flush()
    period = Period(since=datetime.now(UTC) - timedelta(days=RECENT_DAYS))
    report = await unanswered_clusters(
        services.storage, services.require_engine().matcher, period, limit=10
    )
    for chunk in split_message(format_clusters_html(report)):
        await message.reply_text(chunk)


async def report(update: Update, context: Context) -> None:
    """/laporan [7d | 2026-11-01 | semua] for admins: the HTML report (as ``netral logs
    report``) sent as a document; the last 30 days by default."""
    message = await _admin_message(update, context)
    services = _services(context)
    if message is None or services.storage is None:
        return
    now = datetime.now(UTC)
    argument = " ".join(context.args or ()).strip()
    try:
        if argument.lower() in ("semua", "all"):
            period = Period()
        else:
            period = Period(since=parse_moment(argument or f"{RECENT_DAYS}d", now))
    except PeriodError:
        await message.reply_text(LAPORAN_USAGE)
        return
    if services.writer:
        await services.writer.flush()
    page = await build_report(services.storage, services.require_engine().matcher, period, now=now)
    await message.reply_document(
        document=page.encode("utf-8"),
        filename=f"laporan-netral-{now:%Y%m%d-%H%M}.html",
        caption=report_caption(period.describe()),
    )


async def reload_knowledge(update: Update, context: Context) -> None:
    """/reload for admins: validate knowledge/ and swap it in, or keep the old one."""
    message = await _admin_message(update, context)
    if message is None:
        return
    services = _services(context)
    folder = services.settings.knowledge_dir
    from bot.core.engine import Engine

    def build() -> tuple[Engine | None, list[str]]:
        result = load_knowledge(folder)
        if result.kb is None:
            return None, [str(p) for p in result.errors]
        return Engine(result.kb), []

    engine, errors = await asyncio.to_thread(build)
    if engine is None:
        listed = "\n".join(f"• {html.escape(e)}" for e in errors[:15])
        more = f"\n… dan {len(errors) - 15} lainnya" if len(errors) > 15 else ""
        text = texts.RELOAD_FAILED.format(count=len(errors), errors=listed + more)
        for chunk in split_message(text):
            await message.reply_text(chunk)
        return
    services.engine = engine  # one reference swap: atomic for every later update
    _LOG.info("knowledge base reloaded: %d entries", len(engine.kb.entries))
    await message.reply_text(
        texts.RELOAD_OK.format(entries=len(engine.kb.entries), phrasings=engine.kb.phrasing_count)
    )


# -- errors -------------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """Log the failure (never the token), tell the user politely, mark the update failed."""
    _LOG.error("handler failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update):
        services = _services(context)
        services.failed_updates.add(update.update_id)
        final = services.attempts.get(update.update_id, services.max_attempts) >= (
            services.max_attempts
        )
        message = update.effective_message
        if final and message is not None and update.callback_query is None:
            try:
                await message.reply_text(texts.ERROR_REPLY)
            except TelegramError:
                _LOG.warning("could not send the error reply")
