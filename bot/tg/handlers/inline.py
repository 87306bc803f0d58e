"""Inline mode: ``@bot keywords`` in any chat lists up to 10 answer cards."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import BaseHandler, InlineQueryHandler

from bot.core.engine import MAX_QUESTION_CHARS
from bot.core.render import render_entry, split_message
from bot.tg import texts
from bot.tg.context import Context
from bot.tg.handlers.common import services, within_limit


async def inline_query(update: Update, context: Context) -> None:
    """@bot keywords in any chat: up to 10 entries, each sending its answer card."""
    query = update.inline_query
    if query is None:
        return
    if not await within_limit(update, context):
        return
    engine = services(context).engine
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


HANDLERS: list[BaseHandler[Update, Context, object]] = [InlineQueryHandler(inline_query)]
