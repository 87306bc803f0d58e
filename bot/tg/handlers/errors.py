"""The error handler: log, mark the attempt failed in the journal, and apologise once."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.tg import texts
from bot.tg.context import Context
from bot.tg.handlers.common import services

_LOG = logging.getLogger("bot.tg.handlers")


async def on_error(update: object, context: Context) -> None:
    """Log the failure (never the token), mark the update failed (the processor retries
    it), and tell the user politely, on the last attempt only."""
    _LOG.error("handler failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update):
        journal = services(context).journal
        journal.fail(update.update_id)
        message = update.effective_message
        if (
            journal.is_last_attempt(update.update_id)
            and message is not None
            and update.callback_query is None
        ):
            try:
                await message.reply_text(texts.ERROR_REPLY)
            except TelegramError:
                _LOG.warning("could not send the error reply")
