"""``netral run`` and ``netral logs``: the commands that need Telegram or the query log."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run`` and ``logs`` on the main parser."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling, or --webhook URL)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL for a webhook")
    run.add_argument("--listen", default="0.0.0.0", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook listen port")
    run.add_argument(
        "--secret-token",
        default=None,
        help="webhook secret token (default: $NETRAL_WEBHOOK_SECRET)",
    )
    run.set_defaults(func=cmd_run)

    logs = sub.add_parser("logs", help="read the query log")
    logs_sub = logs.add_subparsers(dest="logs_command", required=True, metavar="SUBCOMMAND")
    lst = logs_sub.add_parser("list", help="logged questions, oldest first")
    lst.add_argument("--json", action="store_true", help="JSON lines")
    lst.add_argument("--db", type=Path, default=None, help="database (default: $NETRAL_DB)")
    lst.set_defaults(func=cmd_logs_list)


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
        settings = Settings(**{**_fields(settings), "knowledge_dir": args.knowledge})
    from bot.knowledge import require_knowledge
    from bot.logconfig import configure_logging

    configure_logging(settings.log_level, settings.token)
    kb = require_knowledge(settings.knowledge_dir)
    import os

    secret = args.secret_token or os.environ.get("NETRAL_WEBHOOK_SECRET") or None
    return asyncio.run(_run(settings, kb, args.webhook, args.listen, args.port, secret))


def _fields(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


async def _run(
    settings: Settings, kb: object, webhook: str | None, listen: str, port: int, secret: str | None
) -> int:
    import logging

    from telegram.error import InvalidToken

    from bot.core.engine import Engine
    from bot.core.models import KnowledgeBase
    from bot.storage import LogWriter, open_storage
    from bot.tg.app import build_application, serve

    assert isinstance(kb, KnowledgeBase)
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


def cmd_logs_list(args: argparse.Namespace) -> int:
    """Print logged questions, oldest first."""
    settings = _settings()
    if settings is None:
        return EXIT_USAGE
    db = args.db or settings.db_path
    if not Path(db).exists():
        print(f"netral logs: database not found: {db}", file=sys.stderr)
        return EXIT_INVALID
    return asyncio.run(_logs_list(Path(db), as_json=args.json))


async def _logs_list(db: Path, *, as_json: bool) -> int:
    from bot.storage import format_time, open_storage

    storage = await open_storage(db)
    try:
        async for row in storage.iter_queries():
            if as_json:
                sys.stdout.write(
                    json.dumps(
                        {
                            "time": format_time(row.time),
                            "text": row.text,
                            "status": row.status,
                            "entry_id": row.entry_id,
                            "score": row.score,
                            "chat_type": row.chat_type,
                            "user": row.user_key,
                            "suggestions": list(row.suggestions),
                            "elapsed_ms": row.elapsed_ms,
                            "source": row.source,
                            "qid": row.qid,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            else:
                sys.stdout.write(
                    f"{format_time(row.time)}  {row.status:9}  "
                    f"{row.entry_id or '-':28}  {row.score:.2f}  {row.text}\n"
                )
    finally:
        await storage.close()
    return EXIT_OK
