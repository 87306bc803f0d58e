"""Telegram handlers: read the text, ask the engine, reply, log. Nothing else lives here."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from contextlib import suppress
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

from bot.core.conversation import Turn, conversation_key
from bot.core.engine import MAX_QUESTION_CHARS, Answer, Engine
from bot.core.flood import FloodGate
from bot.core.render import Reply, format_date, render_entry, render_sources, split_message
from bot.knowledge import load_knowledge
from bot.querylog import EventRecord, new_qid, question_record
from bot.review.clusters import unanswered_clusters
from bot.review.html_report import build_report
from bot.review.period import Period, PeriodError
from bot.review.stats import compute_stats
from bot.settings import RECENT_DAYS
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


def _allowed(services: BotServices, update: Update, gate: FloodGate) -> tuple[bool, float, bool]:
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


async def _within_limit(update: Update, context: Context) -> bool:
    """Flood control for every kind of update the bot acts on: True when the user may go
    on. Over the limit, a button press gets a toast (never a new message) and a message
    gets one "tunggu sebentar" per window; inline queries get nothing."""
    services = _services(context)
    gate = services.inline_flood if update.inline_query is not None else services.flood
    allowed, wait, first = _allowed(services, update, gate)
    if allowed:
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


async def answer_question(update: Update, context: Context, text: str, source: str) -> None:
    """Match ``text``, reply with the card, suggestions or a polite no-match, and log it.

    Matching runs in a worker thread so that one slow question never holds up other chats.
    The question is logged before the reply is sent: it is in the log even when Telegram
    refuses the reply.
    """
    message = update.effective_message
    if message is None:
        return
    services = _services(context)
    key = conversation_of(services, update)
    engine = services.require_engine()
    answer, elapsed_ms = await asyncio.to_thread(
        _timed_converse, engine, text, services.memory.recall(key)
    )
    if answer.turn is not None:
        services.memory.remember(key, answer.turn)
    qid = new_qid()
    reply = answer.reply
    logged = _log_question(services, update, text, answer, qid, source, elapsed_ms)
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
    services: BotServices,
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
    services.record(
        update,
        question_record(
            text,
            answer,
            chat_type=_chat_type(update),
            user_key=_user_key(services, update),
            source=source,
            elapsed_ms=elapsed_ms,
            qid=qid,
        ),
    )
    return True


def _log_event(
    services: BotServices, update: Update, kind: str, qid: str | None, entry_id: str | None
) -> None:
    services.record(
        update,
        EventRecord(
            time=datetime.now(UTC),
            kind=kind,
            user_key=_user_key(services, update),
            qid=qid or None,
            entry_id=entry_id,
        ),
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


# -- commands -----------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Greet, or open one entry for a deep link /start <id>."""
    message = update.effective_message
    if message is None or not await _within_limit(update, context):
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
    if update.effective_message and await _within_limit(update, context):
        username = html.escape(context.bot.username or "bot")
        await update.effective_message.reply_text(texts.HELP_HTML.format(username=username))


async def about(update: Update, context: Context) -> None:
    """Sources, disclaimer and when the knowledge base was last reviewed."""
    if update.effective_message and await _within_limit(update, context):
        engine = _services(context).engine
        reviewed = engine.kb.reviewed if engine is not None else None
        when = texts.ABOUT_REVIEWED.format(date=format_date(reviewed)) if reviewed else ""
        await update.effective_message.reply_text(texts.ABOUT_HTML + when)


async def topics(update: Update, context: Context) -> None:
    """Categories as an inline keyboard."""
    if update.effective_message and await _within_limit(update, context):
        kb = _services(context).require_engine().kb
        await update.effective_message.reply_text(
            texts.TOPICS_HTML, reply_markup=keyboards.topics_keyboard(kb)
        )


async def ask_command(update: Update, context: Context) -> None:
    """/tanya <question>: the way to ask in groups."""
    message = update.effective_message
    if message is None or not await _within_limit(update, context):
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
    if not await _within_limit(update, context):
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
    if await _within_limit(update, context):
        await message.reply_text(texts.NON_TEXT)


# -- buttons and inline mode --------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    """Every button press: answer the callback first, then show or acknowledge."""
    query = update.callback_query
    if query is None:
        return
    services = _services(context)
    if _repeated_press(services, update):
        await query.answer()  # the same button again within seconds: already handled
        return
    if not await _within_limit(update, context):
        return
    data = keyboards.parse(query.data)
    kb = services.require_engine().kb
    if data is None:
        await query.answer()
        return
    logged = bool(data.qid) and await _question_logged(services, data.qid)
    if data.action == "feedback":
        await query.answer(texts.FEEDBACK_THANKS)
        # Only a vote on a real entry about a logged question counts (callback data can
        # be forged); the storage keeps one vote per user and question.
        if kb.get(data.target) is not None and logged:
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
    _log_event(services, update, kind, data.qid if logged else None, entry.id)
    key = conversation_of(services, update)
    previous = services.memory.recall(key)
    turn = services.require_engine().chose(entry.id, previous)
    if turn is not None:
        services.memory.remember(key, turn)
    status = previous.status if previous else None
    await send_reply(message, render_entry(entry, kb, status=status), data.qid or new_qid())


# Identical presses (same user, button and message) within this many seconds are ignored.
REPEAT_WINDOW = 5.0


def _repeated_press(services: BotServices, update: Update) -> bool:
    """True for a press identical to one handled less than ``REPEAT_WINDOW`` seconds ago."""
    query = update.callback_query
    if query is None:
        return False
    message = query.message
    key = (query.from_user.id, query.data, message.message_id if message else None)
    now = time.monotonic()
    presses = services.recent_presses
    last = presses.get(key)
    if last is not None and now - last < REPEAT_WINDOW:
        return True
    if len(presses) >= 10_000:
        for old in [k for k, t in presses.items() if now - t >= REPEAT_WINDOW]:
            del presses[old]
    presses[key] = now
    return False


async def _question_logged(services: BotServices, qid: str) -> bool:
    if services.storage is None:
        return True
    try:
        return await services.storage.query_logged(qid)
    except Exception:
        _LOG.exception("could not look up question %s", qid)
        return False


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
    if not await _within_limit(update, context):
        return
    engine = _services(context).require_engine()
    text = query.query[:MAX_QUESTION_CHARS].strip()
    candidates = await asyncio.to_thread(engine.matcher.search, text, limit=10) if text else []
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
    if message is None or not await _within_limit(update, context):
        return None
    if message.chat.type != ChatType.PRIVATE:
        # Admin output (other users' questions, the report) must never reach a group.
        await message.reply_text(texts.ADMIN_PRIVATE_ONLY)
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
    await message.reply_text(texts.format_stats_html(summary))


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
    for chunk in split_message(texts.format_clusters_html(report)):
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
            period = Period.parse(argument or f"{RECENT_DAYS}d", None, now)
    except PeriodError:
        await message.reply_text(texts.LAPORAN_USAGE)
        return
    if services.writer:
        await services.writer.flush()
    page = await build_report(services.storage, services.require_engine().matcher, period, now=now)
    await message.reply_document(
        document=page.encode("utf-8"),
        filename=f"laporan-netral-{now:%Y%m%d-%H%M}.html",
        caption=texts.report_caption(period.describe()),
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
        result = load_knowledge(folder, near_duplicates=False)  # warnings only: not here
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
