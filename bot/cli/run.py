"""``netral run`` and ``netral logs``: the commands that need Telegram or the query log.

The ``logs`` subcommands live in :mod:`bot.cli_logs`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.core.models import KnowledgeBase

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run`` and ``logs`` on the main parser."""
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

    from bot.cli_logs import add_logs_commands

    add_logs_commands(sub)


def _settings() -> Settings | None:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"netral: {exc}", file=sys.stderr)
        return None


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot; without a token, say so in one line and exit 2."""
    settings = _settings()
    if settings is None:
        return EXIT_USAGE
    if not settings.token:
        print(
            "netral run: TELEGRAM_BOT_TOKEN is not set "
            "(to try the bot without Telegram, use: netral chat)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.knowledge:
        settings = dataclasses.replace(settings, knowledge_dir=args.knowledge)
    from bot.knowledge import require_knowledge
    from bot.logconfig import configure_logging

    configure_logging(settings.log_level, settings.token)
    kb = require_knowledge(settings.knowledge_dir)
    secret = args.secret_token or settings.webhook_secret
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
    storage = await open_storage(settings.db_path)
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
