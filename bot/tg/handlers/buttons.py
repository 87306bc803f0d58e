"""Button presses: one ``CallbackQueryHandler`` per route, chosen by the callback data's
prefix (see the layouts in :mod:`bot.tg.keyboards`):

* ``^f:``  a vote on an answer (logged once per user and question);
* ``^e:``  open an entry (a suggestion, a related entry, a topic) or its sources;
* ``^t$``  the list of categories; ``^c:`` the entries of a category;
* anything else (old or forged data) is answered and ignored.

Every route first answers a repeated press and applies flood control (``@press``).
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.core.render import render_entry, render_sources
from bot.querylog import new_qid
from bot.tg import keyboards, texts
from bot.tg.context import BotServices, Context
from bot.tg.handlers.common import (
    conversation_of,
    edit_or_send,
    log_event,
    question_logged,
    send_reply,
    services,
    within_limit,
)

Route = Callable[[Update, CallbackQuery, keyboards.Callback, BotServices], Awaitable[None]]


def press(route: Route) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """The handler of a route: a repeated press is answered and dropped, flood control
    applies, foreign data is answered and dropped; the route gets the parsed data."""

    @wraps(route)
    async def handler(update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        shared = services(context)
        if _repeated_press(shared, update):
            await query.answer()  # the same button again within seconds: already handled
            return
        if not await within_limit(update, context):
            return
        data = keyboards.parse(query.data)
        if data is None:
            await query.answer()
            return
        await route(update, query, data, shared)

    return handler


@press
async def vote(
    update: Update, query: CallbackQuery, data: keyboards.Callback, shared: BotServices
) -> None:
    """👍 / 👎 under an answer."""
    await query.answer(texts.FEEDBACK_THANKS)
    # Only a vote on a real entry about a logged question counts (callback data can be
    # forged); the storage keeps one vote per user and question.
    event = data.event
    if event is None or shared.engine.kb.get(data.target) is None:
        return
    if data.qid and await question_logged(shared, data.qid):
        log_event(shared, update, event, data.qid, data.target)


@press
async def open_entry(
    update: Update, query: CallbackQuery, data: keyboards.Callback, shared: BotServices
) -> None:
    """An entry's card (or its sources) from a suggestion, related, topic or /start button."""
    await query.answer()
    message = _message(query)
    if message is None:
        return
    kb = shared.engine.kb
    entry = kb.get(data.target)
    if entry is None:
        await message.reply_text(texts.UNKNOWN_ENTRY)
        return
    event = data.event
    if event is None:  # the sources of an entry: not logged
        await send_reply(message, render_sources(entry), data.qid or new_qid())
        return
    logged = bool(data.qid) and await question_logged(shared, data.qid)
    log_event(shared, update, event, data.qid if logged else None, entry.id)
    key = conversation_of(shared, update)
    previous = shared.memory.recall(key)
    turn = shared.engine.chose(entry.id, previous)
    if turn is not None:
        shared.memory.remember(key, turn)
    status = previous.status if previous else None
    await send_reply(message, render_entry(entry, kb, status=status), data.qid or new_qid())


@press
async def show_topics(
    update: Update, query: CallbackQuery, data: keyboards.Callback, shared: BotServices
) -> None:
    """Back to the list of categories."""
    await query.answer()
    message = _message(query)
    if message:
        kb = shared.engine.kb
        await edit_or_send(message, texts.TOPICS_HTML, keyboards.topics_keyboard(kb))


@press
async def show_category(
    update: Update, query: CallbackQuery, data: keyboards.Callback, shared: BotServices
) -> None:
    """The entries of one category."""
    await query.answer()
    message = _message(query)
    kb = shared.engine.kb
    markup = keyboards.category_keyboard(kb, data.target)
    category = next((c for c in kb.categories if c.id == data.target), None)
    if message and markup and category:
        body = texts.CATEGORY_HTML.format(title=html.escape(category.title))
        await edit_or_send(message, body, markup)


async def foreign(update: Update, context: Context) -> None:
    """Callback data no route knows (an old keyboard, a forged press): answer, nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def _message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


# Identical presses (same user, button and message) within this many seconds are ignored.
REPEAT_WINDOW = 5.0


def _repeated_press(shared: BotServices, update: Update) -> bool:
    """True for a press identical to one handled less than ``REPEAT_WINDOW`` seconds ago."""
    query = update.callback_query
    if query is None:
        return False
    message = query.message
    key = (query.from_user.id, query.data, message.message_id if message else None)
    now = time.monotonic()
    presses = shared.recent_presses
    last = presses.get(key)
    if last is not None and now - last < REPEAT_WINDOW:
        return True
    if len(presses) >= 10_000:
        for old in [k for k, t in presses.items() if now - t >= REPEAT_WINDOW]:
            del presses[old]
    presses[key] = now
    return False


HANDLERS: list[BaseHandler[Update, Context, object]] = [
    CallbackQueryHandler(vote, pattern=r"^f:"),
    CallbackQueryHandler(open_entry, pattern=r"^e:"),
    CallbackQueryHandler(show_topics, pattern=r"^t$"),
    CallbackQueryHandler(show_category, pattern=r"^c:"),
    CallbackQueryHandler(foreign),  # last: whatever the routes above do not match
]
