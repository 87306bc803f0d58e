"""The webhook endpoint: authenticate, journal, then acknowledge.

python-telegram-bot's own webhook server answers 200 as soon as an update is queued, and
answers 400 for an update it cannot parse (Telegram then redelivers it again and again).
This endpoint, for ``netral run --webhook``:

* refuses any request without the secret token (compared in constant time);
* stores the raw update in the SQLite inbox *before* answering 200, so an acknowledged
  update survives a crash and is answered by the recovery at the next start;
* journals an update it cannot parse as ``failed`` (no payload) and still answers 200, so
  that Telegram does not redeliver it forever;
* answers 500 when the update could not be journaled, so that Telegram delivers it again;
* answers ``GET /healthz`` with 200 when the replica is ready (knowledge base loaded,
  database answering, not stopping) and 503 otherwise, for a load balancer.

With a shared database (PostgreSQL) the journal is shared too: an update delivered again,
to this replica or another, is recognised by its ``update_id`` and acknowledged without
being processed twice (see ``replicas.py``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web

from bot.tg.context import NetralApp
from bot.tg.parsing import parse_update
from bot.tg.replicas import readiness

_LOG = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1 << 20  # Telegram's updates are far smaller


class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: NetralApp, secret: str) -> None:
        self.netral_app = app
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), self.secret.encode("utf-8")):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            data = json.loads(self.request.body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        uid = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(uid, int):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        if not await accept_update(self.netral_app, uid, data):
            raise tornado.web.HTTPError(HTTPStatus.INTERNAL_SERVER_ERROR)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, *args: Any) -> None:
        """HTTP errors above are answers, not failures worth a traceback."""


class _HealthHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def get(self) -> None:
        ready, reason = await self.server.readiness()
        self.set_status(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(reason + "\n")

    async def head(self) -> None:
        ready, _ = await self.server.readiness()
        self.set_status(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE)


async def accept_update(app: NetralApp, uid: int, data: dict[str, Any]) -> bool:
    """Journal and queue one update received over the webhook; False when it could not be
    journaled (the caller asks Telegram to deliver it again)."""
    storage = app.bot_data.storage
    update, durable = await parse_update(app.bot, storage, uid, data)
    if update is None:
        return durable
    try:
        new = await storage.save_updates([(uid, update.to_json())])
    except Exception:
        _LOG.exception("update %s: could not journal it", uid)
        return False
    if not new:
        # Already known: in progress, answered, or pending for the recovery.
        _LOG.info("update %s delivered again: ignored", uid)
        return True
    await app.update_queue.put(update)
    return True


class WebhookServer:
    """The HTTP server for ``/telegram`` on the running event loop."""

    def __init__(self, app: NetralApp, secret: str, *, path: str = "/telegram") -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._app = app
        self._web = tornado.web.Application(
            [
                (path, _UpdateHandler, {"app": app, "secret": secret}),
                ("/healthz", _HealthHandler, {"server": self}),
            ]
        )
        self._server: tornado.httpserver.HTTPServer | None = None
        self.stopping = False

    async def readiness(self) -> tuple[bool, str]:
        """(ready, reason) for /healthz: not while stopping, else see ``replicas.readiness``."""
        if self.stopping:
            return False, "stopping"
        return await readiness(self._app)

    def start(self, listen: str, port: int) -> None:
        """Listen on ``listen:port`` (raises OSError when the port is taken)."""
        server = tornado.httpserver.HTTPServer(self._web, max_body_size=MAX_BODY_BYTES)
        server.listen(port, address=listen)
        self._server = server

    async def stop(self) -> None:
        """Stop accepting requests and close open connections."""
        self.stopping = True
        if self._server is None:
            return
        self._server.stop()
        await asyncio.wait_for(self._server.close_all_connections(), 10)
        self._server = None
