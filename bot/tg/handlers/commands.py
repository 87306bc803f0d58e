"""/start, /help (/bantuan), /tentang and /topik."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.core.render import format_date
from bot.tg import keyboards, texts
from bot.tg.context import Context
from bot.tg.handlers.common import log_event, send_reply, services, within_limit


async def start(update: Update, context: Context) -> None:
    """Greet, or open one entry for a deep link /start <id>."""
    message = update.effective_message
    if message is None or not await within_limit(update, context):
        return
    engine = services(context).engine
    if context.args:
        reply = engine.show(context.args[0])
        if reply is not None:
            log_event(services(context), update, "button", None, context.args[0])
            await send_reply(message, reply, "")
            return
    examples = tuple(q for q, _ in texts.START_EXAMPLES)
    ids = tuple(i for _, i in texts.START_EXAMPLES)
    await message.reply_text(
        texts.START_HTML, reply_markup=keyboards.examples_keyboard(examples, engine.kb, ids)
    )


async def help_command(update: Update, context: Context) -> None:
    """Explain how to ask, in private chats, groups and inline."""
    if update.effective_message and await within_limit(update, context):
        username = html.escape(context.bot.username or "bot")
        await update.effective_message.reply_text(texts.HELP_HTML.format(username=username))


async def about(update: Update, context: Context) -> None:
    """Sources, disclaimer and when the knowledge base was last reviewed."""
    if update.effective_message and await within_limit(update, context):
        reviewed = services(context).engine.kb.reviewed
        when = texts.ABOUT_REVIEWED.format(date=format_date(reviewed)) if reviewed else ""
        await update.effective_message.reply_text(texts.ABOUT_HTML + when)


async def topics(update: Update, context: Context) -> None:
    """Categories as an inline keyboard."""
    if update.effective_message and await within_limit(update, context):
        kb = services(context).engine.kb
        await update.effective_message.reply_text(
            texts.TOPICS_HTML, reply_markup=keyboards.topics_keyboard(kb)
        )


_NEW = filters.UpdateType.MESSAGE
HANDLERS: list[BaseHandler[Update, Context, object]] = [
    CommandHandler("start", start, filters=_NEW),
    CommandHandler(["help", "bantuan"], help_command, filters=_NEW),
    CommandHandler("tentang", about, filters=_NEW),
    CommandHandler("topik", topics, filters=_NEW),
]
