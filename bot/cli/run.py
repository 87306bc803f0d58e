"""``netral run``: the Telegram bot. Telegram and the database driver load only here."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from typing import TYPE_CHECKING

from bot.cli.common import EXIT_OK, EXIT_USAGE, knowledge_dir
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.core.models import KnowledgeBase


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run`` on the main parser."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling, or --webhook URL)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL for a webhook")
    run.add_argument(
        "--listen", default="127.0.0.1", help="webhook listen address (default 127.0.0.1)"
    )
    run.add_argument("--port", type=int, default=8443, help="webhook listen port")
    run.add_argument(
        "--secret-token",
        default=None,
        help="webhook secret token (default: $NETRAL_WEBHOOK_SECRET)",
    )
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot; without a token, say so in one line and exit 2."""
    if not settings.token:
        print(
            "netral run: TELEGRAM_BOT_TOKEN is not set "
            "(to try the bot without Telegram, use: netral chat)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    settings = dataclasses.replace(settings, knowledge_dir=knowledge_dir(settings, args.knowledge))
    from bot.knowledge import require_knowledge
    from bot.logconfig import configure_logging

    configure_logging(settings.log_level, settings.token)
    kb = require_knowledge(settings.knowledge_dir)
    secret = args.secret_token or settings.webhook_secret
    if args.webhook and settings.db_url and not secret:
        # Each replica would register a secret of its own and lock the others out.
        raise SettingsError(
            "a webhook on a shared database (replicas) needs one secret token for all of "
            "them: --secret-token or NETRAL_WEBHOOK_SECRET"
        )
    return asyncio.run(_run(settings, kb, args.webhook, args.listen, args.port, secret))


async def _run(
    settings: Settings,
    kb: KnowledgeBase,
    webhook: str | None,
    listen: str,
    port: int,
    secret: str | None,
) -> int:
    import logging

    from telegram.error import InvalidToken

    from bot.core.engine import Engine
    from bot.querylog import LogWriter, open_storage
    from bot.tg.app import build_application, serve

    log = logging.getLogger("bot")
    storage = await open_storage(settings.database, lease_seconds=settings.lease_seconds)
    writer = LogWriter(storage)
    try:
        app = build_application(settings, Engine(kb), storage, writer)
        log.info("starting: %s", settings)
        await serve(app, webhook_url=webhook, listen=listen, port=port, secret_token=secret)
    except InvalidToken:
        log.error("Telegram rejected the token (TELEGRAM_BOT_TOKEN)")
        return EXIT_USAGE
    finally:
        await writer.close()
        await storage.close()
    log.info("stopped")
    return EXIT_OK
