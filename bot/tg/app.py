"""Wiring: ``build_application`` registers every handler in one list; ``serve`` runs the bot."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from dataclasses import dataclass

from telegram import BotCommand
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)

from bot.core.engine import Engine
from bot.core.flood import FloodGate
from bot.querylog import LogWriter, SharedInbox, Storage
from bot.settings import Settings
from bot.tg import handlers
from bot.tg.context import BotServices, NetralApp
from bot.tg.delivery import RetryingRateLimiter
from bot.tg.polling import ALLOWED_UPDATES, DurablePoller
from bot.tg.processing import ChatOrderedProcessor
from bot.tg.replicas import LeaseKeeper, paced_limits
from bot.tg.texts import COMMANDS
from bot.tg.webhook import WebhookServer

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """HTTP timeouts (seconds) for Bot API calls; tests shorten them."""

    connect: float = 10.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 5.0


def build_application(
    settings: Settings,
    engine: Engine,
    storage: Storage,
    writer: LogWriter,
    *,
    timeouts: Timeouts = Timeouts(),
    rate_limiter: RetryingRateLimiter | None = None,
) -> NetralApp:
    """The configured application; nothing is contacted until it is initialised."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    processor = ChatOrderedProcessor()
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .context_types(ContextTypes(bot_data=BotServices))
        # allow_sending_without_reply: a reply to a question deleted meanwhile still goes out.
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=None,
                allow_sending_without_reply=True,
            )
        )
        .concurrent_updates(processor)
        .rate_limiter(rate_limiter or _paced_limiter(settings))
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .write_timeout(timeouts.write)
        .pool_timeout(timeouts.pool)
        .connection_pool_size(64)
        .get_updates_read_timeout(timeouts.read + 30)
    )
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    app: NetralApp = builder.build()  # type: ignore[assignment]
    # PTB creates bot_data from ContextTypes (an empty BotServices): fill it in, and let the
    # processor share that one object with the handlers.
    services = app.bot_data
    services.settings, services.engine = settings, engine
    services.flood = FloodGate(limit=settings.flood_per_minute)
    services.storage, services.writer = storage, writer
    processor.bind(services, app.update_queue.put)
    app.add_handlers(handlers.ALL)
    app.add_error_handler(handlers.on_error)
    return app


def _paced_limiter(settings: Settings) -> RetryingRateLimiter:
    """Telegram's per-bot limits, times this replica's share (``NETRAL_RATE_SHARE``)."""
    per_second, per_group_minute = paced_limits(settings.rate_share)
    return RetryingRateLimiter(overall_max_rate=per_second, group_max_rate=per_group_minute)


async def announce_commands(app: NetralApp) -> None:
    """Register the command menu with Telegram (setMyCommands)."""
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])


async def serve(
    app: NetralApp,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    secret_token: str | None = None,
    stop_signals: bool = True,
    stop_event: asyncio.Event | None = None,
    poll_timeout: int = 10,
) -> None:
    """Run until SIGTERM/SIGINT (or ``stop_event``): then stop fetching, finish what is in
    flight, flush the query log and return.

    Webhook mode never runs without a secret token: without one, a random one is generated
    and registered with ``setWebhook``. Updates left pending by an earlier run are answered
    first in both modes. Whatever fails, the application is stopped in a ``finally``, so the
    error that ended the run is the one reported.
    """
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    if stop_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    services = app.bot_data
    writer = services.writer
    writer.start()
    try:
        async with app:  # initialize ... shutdown
            await _announce_commands_safely(app)
            await app.start()
            keeper = _lease_keeper(app)
            try:
                if webhook_url:
                    await _serve_webhook(app, stop, webhook_url, listen, port, secret_token)
                else:
                    await _serve_polling(app, stop, poll_timeout)
            finally:
                _LOG.info("stopping: finishing updates in flight")
                if app.running:
                    await app.stop()
                if keeper is not None:
                    await _stop_keeper(*keeper)
    finally:
        await writer.close()
        if stop_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


def _lease_keeper(app: NetralApp) -> tuple[LeaseKeeper, asyncio.Task[None]] | None:
    """With a shared inbox (PostgreSQL), keep this process's leases and take over the
    updates of replicas that died (see ``replicas.py``)."""
    storage = app.bot_data.storage
    if not isinstance(storage, SharedInbox):
        return None
    keeper = LeaseKeeper(app, storage)
    return keeper, asyncio.create_task(keeper.run(), name="netral-lease-keeper")


async def _stop_keeper(keeper: LeaseKeeper, task: asyncio.Task[None]) -> None:
    keeper.stop()
    await task


async def _announce_commands_safely(app: NetralApp) -> None:
    """The command menu is a nicety: failing to set it never stops the bot."""
    try:
        await announce_commands(app)
    except InvalidToken:
        raise
    except Exception as exc:
        _LOG.warning("could not set the command menu (%s: %s)", type(exc).__name__, exc)


async def _serve_polling(app: NetralApp, stop: asyncio.Event, poll_timeout: int) -> None:
    await app.bot.delete_webhook()
    poller = DurablePoller(app, app.bot_data, poll_timeout=poll_timeout)
    poll = asyncio.create_task(poller.run())
    stopped = asyncio.create_task(stop.wait())
    _LOG.info("polling for updates")
    try:
        await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        poller.stop()
        stopped.cancel()
        await poll  # re-raises InvalidToken, the one error that ends polling


async def _serve_webhook(
    app: NetralApp,
    stop: asyncio.Event,
    webhook_url: str,
    listen: str,
    port: int,
    secret_token: str | None,
) -> None:
    if not secret_token:
        secret_token = secrets.token_urlsafe(32)
        _LOG.warning(
            "no webhook secret given: generated one for this run and registered it with "
            "setWebhook (set NETRAL_WEBHOOK_SECRET to keep one across restarts)"
        )
    server = WebhookServer(app, secret_token)
    # Updates acknowledged by an earlier run but not answered come first.
    await DurablePoller(app, app.bot_data).recover()
    server.start(listen, port)
    try:
        await app.bot.set_webhook(
            url=webhook_url, secret_token=secret_token, allowed_updates=ALLOWED_UPDATES
        )
        _LOG.info("webhook listening on %s:%d", listen, port)
        await stop.wait()
    finally:
        await server.stop()
