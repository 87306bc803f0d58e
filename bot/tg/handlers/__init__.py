"""The Telegram handlers, one module per feature, joined in one list (aiogram's routers):

* :mod:`.questions` texts addressed to the bot and /tanya: answer, log;
* :mod:`.commands`  /start, /help, /tentang, /topik;
* :mod:`.buttons`   button presses, one route per callback-data prefix;
* :mod:`.inline`    inline mode;
* :mod:`.admin`     /stats, /unanswered, /laporan, /reload behind ``@admin_only``;
* :mod:`.errors`    the error handler;
* :mod:`.common`    what they share (services, flood control, sending, logging events).

Add a command: a handler in the module of its feature, listed in that module's
``HANDLERS``; its Telegram strings go to :mod:`bot.tg.texts`, the menu entry to
``texts.COMMANDS``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.tg.context import Context
from bot.tg.handlers import admin, buttons, commands, errors, inline, questions

# Order matters only where filters overlap: every CommandHandler before the text handler
# (which excludes commands anyway), and the button routes before their fallback.
ALL: list[BaseHandler[Update, Context, object]] = [
    *commands.HANDLERS,
    *admin.HANDLERS,
    *questions.HANDLERS,
    *buttons.HANDLERS,
    *inline.HANDLERS,
]
on_error = errors.on_error

__all__ = ["ALL", "on_error"]
