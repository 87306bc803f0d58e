"""Admin commands: /stats, /unanswered, /laporan and /reload, behind one ``@admin_only``.

Admin output (other users' questions, the report) must never reach a group, so every
command here answers in a private chat only, and only to an id in ``NETRAL_ADMIN_IDS``.
The figures come from :mod:`bot.review` (as ``netral logs``); the texts from
:mod:`bot.tg.texts`.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import wraps
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.core.engine import Engine
from bot.core.render import split_message
from bot.knowledge import load_knowledge
from bot.querylog import utc_now
from bot.review.clusters import unanswered_clusters
from bot.review.html_report import build_report
from bot.review.period import Period, PeriodError
from bot.review.stats import compute_stats
from bot.settings import RECENT_DAYS
from bot.tg import texts
from bot.tg.context import BotServices, Context
from bot.tg.handlers.common import services, within_limit

_LOG = logging.getLogger("bot.tg.handlers")

AdminCommand = Callable[[Message, BotServices, Context], Awaitable[None]]


def admin_only(command: AdminCommand) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """The handler for an admin command: flood control, then private chat only, then
    admins only (each refusal answered politely); the command gets the message and the
    services."""

    @wraps(command)
    async def handler(update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or not await within_limit(update, context):
            return
        if message.chat.type != ChatType.PRIVATE:
            await message.reply_text(texts.ADMIN_PRIVATE_ONLY)
            return
        shared = services(context)
        if user is None or user.id not in shared.settings.admin_ids:
            await message.reply_text(texts.ADMIN_ONLY)
            return
        await command(message, shared, context)

    return handler


@admin_only
async def stats(message: Message, shared: BotServices, context: Context) -> None:
    """/stats: volumes, shares, top entries, feedback (as ``netral logs stats``)."""
    await shared.writer.flush()
    summary = await compute_stats(shared.storage, Period(), now=utc_now(), top=5)
    await message.reply_text(texts.format_stats_html(summary))


@admin_only
async def unanswered(message: Message, shared: BotServices, context: Context) -> None:
    """/unanswered: the biggest clusters of the last RECENT_DAYS days' unanswered questions
    (as ``netral logs unanswered``)."""
    await shared.writer.flush()
    period = Period(since=utc_now() - timedelta(days=RECENT_DAYS))
    report = await unanswered_clusters(shared.storage, shared.engine.matcher, period, limit=10)
    for chunk in split_message(texts.format_clusters_html(report)):
        await message.reply_text(chunk)


@admin_only
async def report(message: Message, shared: BotServices, context: Context) -> None:
    """/laporan [7d | 2026-11-01 | semua]: the HTML report (as ``netral logs report``) sent
    as a document; the last RECENT_DAYS days by default."""
    now = utc_now()
    argument = " ".join(context.args or ()).strip()
    try:
        if argument.lower() in ("semua", "all"):
            period = Period()
        else:
            period = Period.parse(argument or f"{RECENT_DAYS}d", None, now)
    except PeriodError:
        await message.reply_text(texts.LAPORAN_USAGE)
        return
    await shared.writer.flush()
    page = await build_report(shared.storage, shared.engine.matcher, period, now=now)
    await message.reply_document(
        document=page.encode("utf-8"),
        filename=f"laporan-netral-{now:%Y%m%d-%H%M}.html",
        caption=texts.report_caption(period.describe()),
    )


@admin_only
async def reload_knowledge(message: Message, shared: BotServices, context: Context) -> None:
    """/reload: validate knowledge/ and swap it in, or keep the old one."""
    folder = shared.settings.knowledge_dir

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
    shared.engine = engine  # one reference swap: atomic for every later update
    _LOG.info("knowledge base reloaded: %d entries", len(engine.kb.entries))
    await message.reply_text(
        texts.RELOAD_OK.format(entries=len(engine.kb.entries), phrasings=engine.kb.phrasing_count)
    )


_NEW = filters.UpdateType.MESSAGE
HANDLERS: list[BaseHandler[Update, Context, object]] = [
    CommandHandler("stats", stats, filters=_NEW),
    CommandHandler("unanswered", unanswered, filters=_NEW),
    CommandHandler("laporan", report, filters=_NEW),
    CommandHandler("reload", reload_knowledge, filters=_NEW),
]
