"""A fake Telegram Bot API server for end-to-end tests.

The real python-telegram-bot HTTP stack (httpx) talks to it over 127.0.0.1, so tests exercise
request encoding, response parsing and error mapping exactly as in production, without ever
touching api.telegram.org::

    api = FakeBotAPI()
    await api.start()
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )

How PTB v22 talks to the Bot API (see telegram/request/_httpxrequest.py and _requestparameter.py):
every method is a POST to ``{base_url}{token}/{method}``; parameters are form-encoded
(``application/x-www-form-urlencoded``) or, when a file is uploaded, ``multipart/form-data``.
String values are sent as-is, every other value (ints, bools, lists, dicts such as
``reply_markup``) is JSON-encoded. Responses are ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``; PTB maps the HTTP
status code to an exception (400 BadRequest, 401/404 InvalidToken, 403 Forbidden,
409 Conflict, anything else NetworkError; ``parameters.retry_after`` becomes RetryAfter).

Validation follows Telegram (tdlib's ``parse_html`` and the Bot API server) where it matters for
a bot: the HTML subset, entity-aware text length, callback_data size, inline result count.
One deliberate difference: a bare ``&`` that starts no valid entity is rejected here
(``strict_ampersand``), while the real server lets it through; the Bot API docs require
escaping it, so the fake is stricter than production on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import pytest_asyncio
from aiohttp import web
from aiohttp.web_request import FileField
from telegram import Bot

JSONDict = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN: Final = "123456789:AAFakeNetralTestToken_abcdefghijklmno"
BOT_USERNAME: Final = "netral_test_bot"
BOT_FIRST_NAME: Final = "Netral"

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_INLINE_RESULTS: Final = 50
MAX_CALLBACK_ANSWER_LENGTH: Final = 200

# Parameters that are free text or opaque ids: PTB sends str values verbatim, so they must not be
# JSON-decoded ("123" must stay a string). Every other form value is JSON-decoded when possible.
_RAW_STRING_PARAMS: Final = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "query",
        "message_text",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "certificate",
        "next_offset",
        "action",
        "language_code",
        "file_id",
        "business_connection_id",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "sticker",
        "animation",
        "thumbnail",
    }
)

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Update types Telegram only sends when listed in allowed_updates.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_INLINE_BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


class BotAPIError(Exception):
    """An error answer of the Bot API; raise it from a custom handler (see ``set_handler``)."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> BotAPIError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return BotAPIError(400, f"Bad Request: {reason}")


@dataclass
class UploadedFile:
    """One multipart file part of a request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Call:
    """One HTTP request the server received, recorded on arrival and completed on response.

    ``fault`` is ``"status"``, ``"delay"`` or ``"reset"`` when an injected fault hit the call.
    ``status`` is the HTTP status sent back (``None`` while pending, or when the connection was
    reset / the client went away). ``delivered`` tells whether the call took effect on the
    server side (a delayed sendMessage is delivered even though the client timed out).
    """

    method: str
    params: JSONDict
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    fault: str | None = None
    status: int | None = None
    result: Any = None
    description: str | None = None
    delivered: bool = False

    @property
    def faulted(self) -> bool:
        return self.fault is not None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def summary(self) -> str:
        shown = {k: v for k, v in self.params.items() if k in ("chat_id", "text", "data", "query")}
        text = json.dumps(shown, ensure_ascii=False)
        if len(text) > 120:
            text = text[:117] + "..."
        flag = f" fault={self.fault}" if self.fault else ""
        desc = f" ({self.description})" if self.description else ""
        return f"{self.method} {text} -> {self.status}{flag}{desc}"


@dataclass
class SentDocument:
    """A document the bot sent with sendDocument."""

    chat_id: int
    message_id: int
    filename: str | None
    mime_type: str | None
    size: int
    caption: str | None
    data: bytes


@dataclass
class _Fault:
    kind: str  # "status" | "delay" | "reset"
    remaining: int
    status: int = 0
    retry_after: float = 0
    description: str | None = None
    seconds: float = 0.0
    deliver: bool = False


# --------------------------------------------------------------------------------------------
# Telegram HTML parsing (mirrors tdlib's parse_html)
# --------------------------------------------------------------------------------------------


class EntityParseError(Exception):
    """Raised for text Telegram would refuse with "can't parse entities"."""


_HTML_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_SIMPLE_TAG_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE: Final = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAME_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9.\-]*")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decodes the HTML entity starting at text[index] == "&": (character, consumed chars)."""
    match = _ENTITY_RE.match(text, index)
    if match is None:
        return None
    named, dec, hexa = match.groups()
    if named:
        return _NAMED_ENTITIES[named], match.end() - index
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end() - index


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str]
    language: str | None = None


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSONDict]]:
    """Parses Telegram's HTML subset into (plain text, entities) or raises EntityParseError.

    Rules (tdlib ``parse_html``): only Telegram's tags, case-insensitive; tags properly nested and
    closed; ``<`` always starts a tag; ``&lt; &gt; &amp; &quot;`` and numeric entities are
    decoded; ``span`` needs ``class="tg-spoiler"``. A bare ``>`` is literal text.
    """
    out: list[str] = []
    out_len = 0  # UTF-16 length of the output so far
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    n = len(text)
    i = 0

    def fail(reason: str, index: int) -> EntityParseError:
        return EntityParseError(f"{reason} at byte offset {_byte_offset(text, index)}")

    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                if strict_ampersand:
                    raise fail('Character "&" must be escaped as "&amp;" (unknown entity)', i)
                out.append("&")
                out_len += 1
                i += 1
                continue
            out.append(decoded[0])
            out_len += utf16_len(decoded[0])
            i += decoded[1]
            continue
        if char != "<":
            out.append(char)
            out_len += utf16_len(char)
            i += 1
            continue

        begin = i
        if i + 1 < n and text[i + 1] == "/":
            # End tag.
            if not stack:
                raise fail("Unexpected end tag", begin)
            j = i + 2
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[i + 2 : j].lower()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise fail("Unclosed end tag", begin)
            opened = stack.pop()
            if end_name != opened.name:
                raise fail(
                    f'Unmatched end tag, expected "</{opened.name}>", found "</{end_name}>"',
                    begin,
                )
            i = j + 1
            entity = _entity_for(opened, out_len, stack)
            if entity is not None:
                entities.append(entity)
            continue

        # Start tag.
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise fail("Unclosed start tag", begin)
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise fail(f'Unsupported start tag "{name}"', begin)
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise fail("Unclosed start tag", begin)
            if text[j] == ">":
                break
            attr_begin = j
            while j < n and not text[j].isspace() and text[j] not in "=>":
                j += 1
            attr_name = text[attr_begin:j].lower()
            if not attr_name:
                raise fail(f'Empty attribute name in the tag "{name}"', begin)
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise fail("Unclosed start tag", begin)
            if text[j] != "=":
                attrs[attr_name] = ""  # attribute without a value, e.g. <blockquote expandable>
                continue
            j += 1
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise fail("Unclosed start tag", begin)
            if text[j] in "'\"":
                quote = text[j]
                j += 1
                value: list[str] = []
                while j < n and text[j] != quote:
                    if text[j] == "&" and (decoded := _decode_entity(text, j)) is not None:
                        value.append(decoded[0])
                        j += decoded[1]
                    else:
                        value.append(text[j])
                        j += 1
                if j >= n:
                    raise fail("Unclosed start tag", begin)
                j += 1
                attrs[attr_name] = "".join(value)
            else:
                token = _NAME_TOKEN_RE.match(text, j)
                assert token is not None
                j = token.end()
                if j >= n or (not text[j].isspace() and text[j] != ">"):
                    raise fail("Unexpected end of name token", j)
                attrs[attr_name] = token.group(0).lower()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise fail('Tag "span" must have class "tg-spoiler"', begin)
        stack.append(_OpenTag(name=name, start=out_len, attrs=attrs))
        i = j + 1

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity_for(opened: _OpenTag, end: int, stack: list[_OpenTag]) -> JSONDict | None:
    """The MessageEntity for a closed tag, or None when Telegram would not create one."""
    length = end - opened.start
    if length <= 0:
        return None
    entity: JSONDict = {"offset": opened.start, "length": length}
    name = opened.name
    if name == "a":
        href = opened.attrs.get("href", "")
        if not href or any(c.isspace() for c in href):
            return None  # tdlib silently drops links without a valid URL
        entity.update(type="text_link", url=href)
        return entity
    if name == "tg-emoji":
        emoji_id = opened.attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            return None
        entity.update(type="custom_emoji", custom_emoji_id=emoji_id)
        return entity
    if name == "blockquote":
        expandable = "expandable" in opened.attrs
        entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        return entity
    if name == "code":
        language = opened.attrs.get("class", "")
        if stack and stack[-1].name == "pre" and language.startswith("language-"):
            # <pre><code class="language-x">: the language belongs to the pre entity.
            stack[-1].language = language.removeprefix("language-")
            return None
    entity["type"] = _SIMPLE_TAG_TYPES[name]
    if name == "pre" and opened.language:
        entity["language"] = opened.language
    return entity


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

Handler = Callable[["FakeBotAPI", JSONDict, dict[str, UploadedFile]], Any]


class FakeBotAPI:
    """A fake Bot API server on 127.0.0.1 with an ephemeral port.

    Inject updates with ``add_message`` / ``add_callback_query`` / ``add_inline_query``; the bot
    receives them through getUpdates. Every request is recorded in ``calls``. Faults are injected
    per method with ``fail_next`` / ``delay_next`` / ``reset_next`` and consumed first-in
    first-out, one per call.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
        first_update_id: int = 100_001,
        strict_ampersand: bool = True,
    ) -> None:
        self.token = token
        self.bot_user: JSONDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.strict_ampersand = strict_ampersand
        self.calls: list[Call] = []
        self.documents: list[SentDocument] = []
        self.blocked_chats: set[int] = set()
        self.webhook: JSONDict | None = None
        self.offsets: list[int] = []  # every offset sent with getUpdates, in order
        # The last allowed_updates sent with getUpdates/setWebhook (None: Telegram's default,
        # every type except chat_member, message_reaction and message_reaction_count).
        self.allowed_updates: list[str] | None = None
        self.filtered_updates: list[JSONDict] = []  # dropped because of allowed_updates

        self._next_update_id = first_update_id
        self._pending: list[JSONDict] = []
        self._confirmed_offset: int | None = None
        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._bot_message_keys: list[tuple[int, int]] = []
        self._message_counters: dict[int, int] = {}
        self._open_callback_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self._query_counter = 4_000_000_000_000_000_000
        self._file_counter = 0
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._custom: dict[str, Handler] = {}
        self._poll_waiter: tuple[asyncio.Future[str], web.Request] | None = None
        self._waiters: set[asyncio.Future[str]] = set()
        self._stop_event: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", FakeBotAPI._get_me),
            ("getUpdates", FakeBotAPI._get_updates),
            ("sendMessage", FakeBotAPI._send_message),
            ("editMessageText", FakeBotAPI._edit_message_text),
            ("editMessageReplyMarkup", FakeBotAPI._edit_message_reply_markup),
            ("answerCallbackQuery", FakeBotAPI._answer_callback_query),
            ("answerInlineQuery", FakeBotAPI._answer_inline_query),
            ("setMyCommands", FakeBotAPI._set_my_commands),
            ("getMyCommands", FakeBotAPI._get_my_commands),
            ("deleteMyCommands", FakeBotAPI._delete_my_commands),
            ("deleteWebhook", FakeBotAPI._delete_webhook),
            ("setWebhook", FakeBotAPI._set_webhook),
            ("getWebhookInfo", FakeBotAPI._get_webhook_info),
            ("sendDocument", FakeBotAPI._send_document),
            ("sendChatAction", FakeBotAPI._send_chat_action),
            ("getFile", FakeBotAPI._get_file),
            ("close", FakeBotAPI._true),
            ("logOut", FakeBotAPI._true),
        ):
            self._handlers[name.lower()] = (name, handler)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Starts serving on 127.0.0.1 with an ephemeral port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._stop_event = asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Stops the server; pending long polls answer empty, pending delays end at once."""
        if self._runner is None:
            return
        assert self._stop_event is not None
        self._stop_event.set()
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result("stop")
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` / ``Bot(base_file_url=...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A ``telegram.Bot`` pointed at this server (use it as ``async with api.make_bot():``)."""
        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    # ---------------------------------------------------------------- update injection

    @property
    def confirmed_offset(self) -> int | None:
        """Highest positive offset the bot has sent with getUpdates (None before any)."""
        return self._confirmed_offset

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by an offset (copies)."""
        return copy.deepcopy(self._pending)

    def add_update(self, update: JSONDict) -> int:
        """Queues a raw update (without "update_id"); returns the assigned update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **copy.deepcopy(update)})
        self._wake("update")
        return update_id

    def add_message(
        self,
        text: str = "",
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Budi",
        username: str | None = None,
        chat_title: str = "Grup ASN Netral",
        reply_to_bot: bool = False,
        entities: list[JSONDict] | None = None,
        caption: str | None = None,
        photo: bool = False,
        sticker: bool = False,
        voice: bool = False,
        location: bool = False,
        document: bool = False,
        edited: bool = False,
        message_id: int | None = None,
    ) -> int:
        """Queues a message update from a user; returns its update_id.

        Media flags (at most one) make a media message; ``text`` then serves as the caption
        unless ``caption`` is given (stickers and locations carry none). ``entities`` replaces
        the automatic ones (bot_command for ``/cmd`` words, mention for ``@username``).
        ``edited`` makes an ``edited_message`` update (pass ``message_id`` to edit a known one).
        """
        media = [
            name
            for name, flag in (
                ("photo", photo),
                ("sticker", sticker),
                ("voice", voice),
                ("location", location),
                ("document", document),
            )
            if flag
        ]
        if len(media) > 1:
            raise ValueError(f"at most one media flag per message, got {media}")
        user = self._user(user_id, first_name, username)
        chat = self._chat_for(user, chat_id, chat_type, chat_title)
        if message_id is None:
            message_id = self._next_message_id(chat["id"])
        now = int(time.time())
        message: JSONDict = {"message_id": message_id, "from": user, "chat": chat, "date": now}
        if edited:
            message["edit_date"] = now
        if reply_to_bot:
            message["reply_to_message"] = self._reply_target(chat)

        body_key, entities_key = "text", "entities"
        body: str | None = text
        if media:
            kind = media[0]
            message.update(self._media(kind))
            body_key, entities_key = "caption", "caption_entities"
            body = None if kind in ("sticker", "location") else (caption or text or None)
        if body:
            message[body_key] = body
            found = self._auto_entities(body) if entities is None else entities
            if found:
                message[entities_key] = found
        elif not media:
            raise ValueError("a text message needs non-empty text")

        self._messages[(chat["id"], message_id)] = message
        return self.add_update({"edited_message" if edited else "message": message})

    def add_callback_query(
        self,
        data: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        message_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Budi",
        chat_title: str = "Grup ASN Netral",
    ) -> int:
        """Queues a callback query (a button press) on a bot message; returns its update_id.

        The message is the stored one (``message_id``, default: the bot's latest message in the
        chat); an unknown message is synthesised.
        """
        user = self._user(user_id, first_name, None)
        chat = self._chat_for(user, chat_id, chat_type, chat_title)
        key: tuple[int, int] | None = None
        if message_id is None:
            keys = [k for k in self._bot_message_keys if k[0] == chat["id"]]
            key = keys[-1] if keys else None
        else:
            key = (chat["id"], message_id)
        message = copy.deepcopy(self._messages.get(key)) if key else None
        if message is None:
            message = {
                "message_id": message_id or self._next_message_id(chat["id"]),
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
                "text": "...",
            }
        message.pop("reply_to_message", None)
        query_id = self._next_query_id()
        self._open_callback_queries.add(query_id)
        return self.add_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": str(-abs(chat["id"]) * 7 - 13),
                    "data": data,
                }
            }
        )

    def add_inline_query(
        self,
        query: str,
        *,
        user_id: int = 1001,
        first_name: str = "Budi",
        offset: str = "",
        chat_type: str = "sender",
    ) -> int:
        """Queues an inline query ("@netral_test_bot <query>"); returns its update_id."""
        query_id = self._next_query_id()
        self._open_inline_queries.add(query_id)
        return self.add_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self._user(user_id, first_name, None),
                    "query": query,
                    "offset": offset,
                    "chat_type": chat_type,
                }
            }
        )

    # ---------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: float = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` get an error instead of being processed.

        429 carries ``parameters.retry_after`` (PTB: RetryAfter); 500 a JSON error, 502/504 an
        HTML gateway page like Telegram's nginx (PTB: NetworkError for both); other statuses a
        JSON error with ``description``.
        """
        self._add_fault(
            method,
            _Fault(
                "status", times, status=status, retry_after=retry_after, description=description
            ),
        )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` calls are processed at once but answered ``seconds`` later."""
        self._add_fault(method, _Fault("delay", times, seconds=seconds))

    def reset_next(self, method: str, *, times: int = 1, deliver: bool = False) -> None:
        """The next ``times`` calls get their connection closed without any response.

        With ``deliver=True`` the call is processed first (the effect happened, only the
        response was lost), otherwise it is dropped unprocessed.
        """
        self._add_fault(method, _Fault("reset", times, deliver=deliver))

    def clear_faults(self) -> None:
        self._faults.clear()

    def block_chat(self, chat_id: int) -> None:
        """Sending to this chat fails with 403 "Forbidden: bot was blocked by the user"."""
        self.blocked_chats.add(chat_id)

    def set_handler(self, method: str, handler: Handler) -> None:
        """Overrides or adds a method: ``handler(api, params, files)`` returns the result or
        raises BotAPIError."""
        self._custom[method.lower()] = handler

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str, *, include_faulted: bool = True) -> list[Call]:
        """Recorded calls of one method (case-insensitive)."""
        wanted = method.lower()
        return [
            c
            for c in self.calls
            if c.method.lower() == wanted and (include_faulted or not c.faulted)
        ]

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot delivered (sendMessage, sendDocument), oldest first, as copies of
        their current state (edits applied). Faulted calls that were not processed are absent."""
        return [
            copy.deepcopy(self._messages[key])
            for key in self._bot_message_keys
            if chat_id is None or key[0] == chat_id
        ]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Current state of a stored message (sent by the bot or injected), or None."""
        found = self._messages.get((chat_id, message_id))
        return copy.deepcopy(found) if found else None

    async def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 10, *, what: str | None = None
    ) -> T:
        """Polls ``predicate`` until it returns a truthy value and returns that value; raises
        AssertionError after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                label = what or getattr(predicate, "__name__", "condition")
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {label}\n{self.describe_calls()}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_messages(
        self, n: int, chat_id: int | None = None, timeout: float = 10
    ) -> list[JSONDict]:
        """Waits until the bot has delivered at least ``n`` messages (to ``chat_id``)."""

        def enough() -> list[JSONDict]:
            sent = self.sent_messages(chat_id)
            return sent if len(sent) >= n else []

        where = "" if chat_id is None else f" to chat {chat_id}"
        return await self.wait_for(enough, timeout, what=f"{n} sent message(s){where}")

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10,
    ) -> Call:
        """Waits for a completed call of ``method`` matching ``predicate``; returns it."""

        def found() -> Call | None:
            for call in self.calls_to(method):
                if call.status is not None and (predicate is None or predicate(call)):
                    return call
            return None

        return await self.wait_for(found, timeout, what=f"a {method} call")

    def describe_calls(self, last: int = 15) -> str:
        """A readable list of the latest calls, for assertion messages."""
        if not self.calls:
            return "no calls recorded"
        lines = [c.summary() for c in self.calls[-last:]]
        return f"last {len(lines)} of {len(self.calls)} calls:\n  " + "\n  ".join(lines)

    # ---------------------------------------------------------------- HTTP plumbing

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        requested = request.match_info["method"]
        canonical = self._handlers.get(requested.lower(), (requested, None))[0]
        params, files = await self._read_params(request)
        call = Call(method=canonical, params=params, time=time.monotonic(), files=files)
        self.calls.append(call)

        if request.match_info["token"] != self.token:
            return self._error(call, BotAPIError(401, "Unauthorized"))
        lowered = requested.lower()
        handler = self._custom.get(lowered) or self._handlers.get(lowered, ("", None))[1]
        if handler is None:
            return self._error(call, BotAPIError(404, "Not Found"))

        fault = self._take_fault(lowered)
        if fault is not None:
            call.fault = fault.kind
        if fault is not None and fault.kind == "status":
            return self._status_fault(call, fault)
        if fault is not None and fault.kind == "reset":
            if fault.deliver:
                await self._process(call, handler, request)
            call.status = None
            call.description = "connection reset (injected)"
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)

        response = await self._process(call, handler, request)
        if fault is not None and fault.kind == "delay":
            await self._sleep(fault.seconds)
        if request.transport is None or request.transport.is_closing():
            call.description = (call.description or "") + " (client went away)"
        return response

    async def _process(self, call: Call, handler: Handler, request: web.Request) -> web.Response:
        try:
            if handler is FakeBotAPI._get_updates:
                result = await self._long_poll(call.params, request)
            else:
                result = handler(self, call.params, call.files)
                if asyncio.iscoroutine(result):
                    result = await result
        except BotAPIError as exc:
            return self._error(call, exc)
        call.status = 200
        call.result = copy.deepcopy(result)
        call.delivered = True
        return web.json_response({"ok": True, "result": result})

    def _error(self, call: Call, exc: BotAPIError) -> web.Response:
        call.status = exc.status
        call.description = exc.description
        return web.json_response(exc.payload(), status=exc.status)

    def _status_fault(self, call: Call, fault: _Fault) -> web.Response:
        status = fault.status
        call.status = status
        if status == 429:
            description = fault.description or f"Too Many Requests: retry after {fault.retry_after}"
            call.description = description
            body = BotAPIError(429, description, {"retry_after": fault.retry_after}).payload()
            return web.json_response(body, status=429)
        if status in (502, 504):
            phrase = "Bad Gateway" if status == 502 else "Gateway Time-out"
            call.description = fault.description or phrase
            html = (
                f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n"
            )
            return web.Response(status=status, text=html, content_type="text/html")
        default = {500: "Internal Server Error", 400: "Bad Request", 403: "Forbidden"}
        description = fault.description or default.get(status, f"Error {status}")
        call.description = description
        return web.json_response(BotAPIError(status, description).payload(), status=status)

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
        params: JSONDict = {}
        files: dict[str, UploadedFile] = {}
        raw: dict[str, str] = dict(request.query)
        if request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    files[key] = UploadedFile(
                        field=key,
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                elif isinstance(value, bytes | bytearray):
                    raw[key] = bytes(value).decode("utf-8", "replace")
                else:
                    raw[key] = value
        for key, value in raw.items():
            params[key] = _decode_value(key, value)
        return params, files

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(BotAPIError(401, "Unauthorized").payload(), status=401)
        path = request.match_info["path"]
        for file_path, content in self._files.values():
            if file_path == path:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.json_response(BotAPIError(404, "Not Found").payload(), status=404)

    # ---------------------------------------------------------------- internals

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
        return fault

    async def _sleep(self, seconds: float) -> None:
        """Sleeps, but wakes up at once when the server stops."""
        assert self._stop_event is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), seconds)

    def _wake(self, reason: str) -> None:
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(reason)

    def _user(self, user_id: int, first_name: str, username: str | None) -> JSONDict:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: JSONDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "id",
        }
        if username:
            user["username"] = username
        return user

    def _chat_for(
        self, user: JSONDict, chat_id: int | None, chat_type: str, title: str
    ) -> JSONDict:
        if chat_type == "private":
            if chat_id is not None and chat_id != user["id"]:
                raise ValueError("a private chat's id is the user's id")
            chat: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup"):
            if chat_id is None:
                chat_id = -100_200_300 if chat_type == "group" else -1_001_002_003_004
            if chat_id >= 0:
                raise ValueError("group chat ids are negative")
            chat = {"id": chat_id, "type": chat_type, "title": title}
        else:
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        self._chats[chat["id"]] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._message_counters[chat_id] = self._message_counters.get(chat_id, 0) + 1
        return self._message_counters[chat_id]

    def _next_query_id(self) -> str:
        self._query_counter += 1
        return str(self._query_counter)

    def _reply_target(self, chat: JSONDict) -> JSONDict:
        keys = [k for k in self._bot_message_keys if k[0] == chat["id"]]
        if keys:
            target = copy.deepcopy(self._messages[keys[-1]])
            target.pop("reply_to_message", None)
            return target
        message_id = self._next_message_id(chat["id"])
        target = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            "text": "Ada yang bisa saya bantu?",
        }
        self._messages[(chat["id"], message_id)] = target
        return copy.deepcopy(target)

    def _auto_entities(self, text: str) -> list[JSONDict]:
        """bot_command and mention entities as Telegram detects them (UTF-16 offsets)."""
        entities: list[JSONDict] = []
        covered: list[tuple[int, int]] = []
        for match in re.finditer(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text):
            start, end = match.span()
            covered.append((start, end))
            entities.append(
                {
                    "type": "bot_command",
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(match.group(0)),
                }
            )
        for match in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{4,31}\b", text):
            start, end = match.span()
            if any(s <= start < e for s, e in covered):
                continue
            entities.append(
                {
                    "type": "mention",
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(match.group(0)),
                }
            )
        entities.sort(key=lambda e: e["offset"])
        return entities

    def _new_file(self, kind: str, extension: str, content: bytes) -> JSONDict:
        self._file_counter += 1
        number = self._file_counter
        file_id = f"FAKE-{kind.upper()}-{number:06d}"
        self._files[file_id] = (f"{kind}s/file_{number}.{extension}", content)
        return {"file_id": file_id, "file_unique_id": f"U{number:06d}", "file_size": len(content)}

    def _media(self, kind: str) -> JSONDict:
        if kind == "photo":
            small = self._new_file("photo", "jpg", b"\xff\xd8small-jpeg")
            large = self._new_file("photo", "jpg", b"\xff\xd8large-jpeg" * 10)
            return {
                "photo": [
                    {**small, "width": 90, "height": 90},
                    {**large, "width": 800, "height": 800},
                ]
            }
        if kind == "sticker":
            sticker = self._new_file("sticker", "webp", b"RIFF-webp-sticker")
            return {
                "sticker": {
                    **sticker,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "\U0001f44d",
                }
            }
        if kind == "voice":
            voice = self._new_file("voice", "oga", b"OggS-voice-note")
            return {"voice": {**voice, "duration": 3, "mime_type": "audio/ogg"}}
        if kind == "location":
            return {"location": {"latitude": -6.175392, "longitude": 106.827153}}
        document = self._new_file("document", "pdf", b"%PDF-1.4 fake document")
        return {"document": {**document, "file_name": "surat.pdf", "mime_type": "application/pdf"}}

    def _resolve_chat(self, params: Mapping[str, Any]) -> JSONDict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == chat_id.lstrip("@").lower():
                    return chat
            raise bad_request("chat not found")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise bad_request("chat not found")
        if chat_id in self.blocked_chats:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")
        known = self._chats.get(chat_id)
        if known is not None:
            return known
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _formatted(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        limit: int,
        empty: str,
        too_long: str,
    ) -> tuple[str, list[JSONDict]]:
        """Validates a text (or caption) like Telegram; returns (plain text, entities)."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
        found: list[JSONDict] = []
        if mode == "html":
            try:
                plain, found = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from exc
        elif mode in ("", "markdown", "markdownv2"):
            # Markdown is not parsed: the length is checked on the raw text.
            plain = text
            if isinstance(entities, list):
                found = entities
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        if not plain.strip():
            raise bad_request(empty)
        # tdlib checks utf8_length(text), i.e. Unicode code points after entity parsing.
        if len(plain) > limit:
            raise bad_request(too_long)
        return plain, found

    def _check_markup(self, markup: Any) -> JSONDict | None:
        """Validates reply_markup; returns it when it is an inline keyboard (echoed in Message)."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # reply keyboards, ReplyKeyboardRemove, ForceReply: not echoed
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard"')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request("can't parse inline keyboard button: Text must be a String")
                if not button["text"]:
                    raise bad_request("BUTTON_TEXT_EMPTY")
                if not any(key in button for key in _INLINE_BUTTON_ACTIONS):
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8"))
                    if not isinstance(data, str) or size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
                        raise bad_request("BUTTON_URL_INVALID")
        return markup

    def _find_message(self, params: Mapping[str, Any]) -> JSONDict | None:
        """The stored message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat = self._resolve_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        message = self._messages.get((chat["id"], message_id))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _reply_to(self, chat: JSONDict, params: Mapping[str, Any]) -> JSONDict | None:
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if not isinstance(reply_id, int):
            return None
        target = self._messages.get((chat["id"], reply_id))
        if target is None:
            if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        target = copy.deepcopy(target)
        target.pop("reply_to_message", None)
        return target

    def _store_bot_message(self, chat: JSONDict, params: Mapping[str, Any]) -> JSONDict:
        message_id = self._next_message_id(chat["id"])
        message: JSONDict = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }
        reply_to = self._reply_to(chat, params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        key = (chat["id"], message_id)
        self._messages[key] = message
        self._bot_message_keys.append(key)
        return message

    # ---------------------------------------------------------------- methods

    def _true(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        return True

    def _get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        return copy.deepcopy(self.bot_user)

    async def _long_poll(self, params: JSONDict, request: web.Request) -> list[JSONDict]:
        if self.webhook is not None:
            raise BotAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool):
            self.offsets.append(offset)
            if offset > 0:
                self._confirmed_offset = max(self._confirmed_offset or 0, offset)
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            elif offset < 0:
                self._pending = self._pending[offset:]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed] or None
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) and limit else 100
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 0.0

        # A newer getUpdates terminates the one still waiting, as on Telegram.
        if self._poll_waiter is not None and not self._poll_waiter[0].done():
            older, older_request = self._poll_waiter
            gone = older_request.transport is None or older_request.transport.is_closing()
            older.set_result("gone" if gone else "conflict")

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._filter_pending():
            remaining = deadline - loop.time()
            if remaining <= 0 or (self._stop_event is not None and self._stop_event.is_set()):
                break
            waiter: asyncio.Future[str] = loop.create_future()
            self._waiters.add(waiter)
            self._poll_waiter = (waiter, request)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)
            reason = waiter.result() if waiter.done() else "timeout"
            if reason == "conflict":
                raise BotAPIError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if reason in ("gone", "stop"):
                return []
        return copy.deepcopy(self._pending[:limit])

    def _filter_pending(self) -> list[JSONDict]:
        """Drops pending updates of types excluded by allowed_updates; returns the rest."""
        kept: list[JSONDict] = []
        for update in self._pending:
            kind = next((key for key in update if key != "update_id"), "")
            if self.allowed_updates is None:
                allowed = kind not in _OPT_IN_UPDATES
            else:
                allowed = kind in self.allowed_updates
            (kept if allowed else self.filtered_updates).append(update)
        self._pending = kept
        return kept

    def _get_updates(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        raise AssertionError("getUpdates is served by _long_poll")  # pragma: no cover

    def _send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params)
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_MESSAGE_LENGTH,
            empty="message text is empty",
            too_long="message is too long",
        )
        markup = self._check_markup(params.get("reply_markup"))
        message = self._store_bot_message(chat, params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_MESSAGE_LENGTH,
            empty="message text is empty",
            too_long="MESSAGE_TOO_LONG",
        )
        markup = self._check_markup(params.get("reply_markup"))
        message = self._find_message(params)
        if message is None:
            return True
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        markup = self._check_markup(params.get("reply_markup"))
        message = self._find_message(params)
        if message is None:
            return True
        if message.get("reply_markup") == markup:
            raise bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _answer_callback_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callback_queries:
            raise BotAPIError(400, _QUERY_INVALID)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(str(query_id))
        return True

    def _answer_inline_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        query_id = params.get("inline_query_id")
        if query_id not in self._open_inline_queries:
            raise BotAPIError(400, _QUERY_INVALID)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not isinstance(result.get("type"), str):
                raise bad_request('can\'t parse InlineQueryResult: field "type" must be a String')
            result_id = result.get("id")
            if not isinstance(result_id, str) or not 0 < len(result_id.encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if result["type"] == "article":
                if not result.get("title"):
                    raise bad_request("RESULT_TITLE_EMPTY")
                if not isinstance(result.get("input_message_content"), dict):
                    raise bad_request(
                        "can't parse InlineQueryResultArticle: "
                        'field "input_message_content" must be an Object'
                    )
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._formatted(
                    content.get("message_text"),
                    content.get("parse_mode"),
                    content.get("entities"),
                    limit=MAX_MESSAGE_LENGTH,
                    empty="message text is empty",
                    too_long="MESSAGE_TOO_LONG",
                )
            self._check_markup(result.get("reply_markup"))
        self._open_inline_queries.discard(str(query_id))
        return True

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        language = params.get("language_code") or ""
        return json.dumps(scope, sort_keys=True), str(language)

    def _set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse BotCommand array JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("command description is empty or too long")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    def _set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        url = params.get("url") or ""
        if not isinstance(url, str):
            raise bad_request("bad webhook: invalid URL")
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        if not url:
            self.webhook = None
            return True
        match = re.match(r"^https://[^/:]+(?::(\d+))?(?:/|$)", url)
        if match is None:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if match.group(1) and match.group(1) not in ("443", "80", "88", "8443"):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections") or 40,
        }
        return True

    def _get_webhook_info(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _send_document(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params)
        upload = files.get("document")
        reference = params.get("document")
        if upload is None and isinstance(reference, str) and reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://"))
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            filename = upload.filename
            mime_type = upload.content_type
            content = upload.data
        elif isinstance(reference, str) and reference in self._files:
            filename, mime_type = None, None
            content = self._files[reference][1]
        elif isinstance(reference, str) and reference.startswith(("http://", "https://")):
            filename, mime_type = reference.rsplit("/", 1)[-1] or None, None
            content = b"downloaded by telegram"
        else:
            raise bad_request("there is no document in the request")
        caption_text: str | None = None
        caption_entities: list[JSONDict] = []
        if params.get("caption"):
            caption_text, caption_entities = self._formatted(
                params.get("caption"),
                params.get("parse_mode"),
                params.get("caption_entities"),
                limit=MAX_CAPTION_LENGTH,
                empty="message caption is empty",
                too_long="message caption is too long",
            )
        markup = self._check_markup(params.get("reply_markup"))
        message = self._store_bot_message(chat, params)
        extension = (filename or "file.bin").rsplit(".", 1)[-1]
        document = self._new_file("document", extension, content)
        if filename:
            document["file_name"] = filename
        if mime_type:
            document["mime_type"] = mime_type
        message["document"] = document
        if caption_text:
            message["caption"] = caption_text
            if caption_entities:
                message["caption_entities"] = caption_entities
        if markup is not None:
            message["reply_markup"] = markup
        self.documents.append(
            SentDocument(
                chat_id=chat["id"],
                message_id=message["message_id"],
                filename=filename,
                mime_type=mime_type,
                size=len(content),
                caption=params.get("caption"),
                data=content,
            )
        )
        return copy.deepcopy(message)

    def _send_chat_action(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self._resolve_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        file_id = params.get("file_id")
        if not isinstance(file_id, str) or file_id not in self._files:
            raise bad_request("invalid file_id")
        file_path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": "U" + file_id.rsplit("-", 1)[-1],
            "file_size": len(content),
            "file_path": file_path,
        }


def _decode_value(key: str, value: str) -> Any:
    """Undoes PTB's encoding: str values verbatim, everything else JSON."""
    if key in _RAW_STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


@pytest_asyncio.fixture(name="fake_api")
async def fake_api_fixture() -> AsyncIterator[FakeBotAPI]:
    """The ``fake_api`` fixture: a running FakeBotAPI, stopped after the test.

    Import it as ``fake_api_fixture`` (the fixture is still named ``fake_api``) so that test
    parameters called ``fake_api`` do not shadow the import (ruff F811).
    """
    api = FakeBotAPI()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


fake_api = fake_api_fixture  # the same fixture under its own name, for `import fake_api`
