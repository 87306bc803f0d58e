"""Turning a raw update (JSON from getUpdates or a webhook call) into a PTB ``Update``.

Telegram adds fields and kinds of update over time, and python-telegram-bot can fail to
parse one. Such an update must neither stop the bot nor come back forever: it is journaled
as failed, without its payload, and skipped. Shared by the poller and the webhook.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Update

from bot.querylog.storage import Inbox

_LOG = logging.getLogger(__name__)


async def parse_update(bot: Bot, inbox: Inbox, uid: int, data: Any) -> tuple[Update | None, bool]:
    """The parsed update, or None when it cannot be parsed; and whether the outcome is
    durable (False only when an unparseable update could not be journaled as failed)."""
    try:
        return Update.de_json(data, bot), True
    except Exception as exc:
        _LOG.error("update %s cannot be parsed (%s): skipped", uid, exc)
        try:
            await inbox.save_failed_update(uid, f"unparseable: {type(exc).__name__}")
        except Exception:
            _LOG.exception("update %s: could not journal the failure", uid)
            return None, False
        return None, True
