"""Tests of the fake Bot API server, driven by the real python-telegram-bot HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import time
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.auxil.fakebotapi import (
    BOT_USERNAME,
    FakeBotAPI,
    fake_api_fixture,  # noqa: F401  (the `fake_api` fixture)
    parse_html,
)

CHAT = 1001


@pytest.fixture
async def bot(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with fake_api.make_bot() as bot:
        yield bot


# ------------------------------------------------------------------ identity and tokens


async def test_get_me(bot: Bot, fake_api: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.username == BOT_USERNAME
    assert me.first_name == "Netral"
    assert me.is_bot and me.can_join_groups and me.supports_inline_queries
    assert bot.username == BOT_USERNAME  # initialize() already called getMe
    assert [c.method for c in fake_api.calls] == ["getMe", "getMe"]


async def test_unknown_token_is_unauthorized(fake_api: FakeBotAPI) -> None:
    bot = Bot("42:wrong-token", base_url=fake_api.base_url)
    try:
        with pytest.raises(InvalidToken):
            await bot.initialize()
    finally:
        await bot.shutdown()
    assert fake_api.calls[-1].status == 401


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": CHAT})


# ------------------------------------------------------------------ getUpdates


async def test_get_updates_offset_semantics(bot: Bot, fake_api: FakeBotAPI) -> None:
    ids = [fake_api.add_message(f"pesan {i}") for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == ids
    assert updates[0].message.text == "pesan 0"
    assert fake_api.confirmed_offset is None
    assert len(await bot.get_updates(limit=2)) == 2  # nothing confirmed: still all there

    updates = await bot.get_updates(offset=ids[1])
    assert [u.update_id for u in updates] == ids[1:]
    assert fake_api.confirmed_offset == ids[1]
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]  # ids[0] is gone for good

    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert fake_api.confirmed_offset == ids[2] + 1
    assert fake_api.pending_updates == []
    later = fake_api.add_message("lagi")
    assert [u.update_id for u in await bot.get_updates(offset=ids[0])] == [later]


async def test_allowed_updates_filter(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_callback_query("x")
    message_id = fake_api.add_message("halo")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [message_id]
    assert fake_api.allowed_updates == ["message"]
    assert [next(iter(u.keys() - {"update_id"})) for u in fake_api.filtered_updates] == [
        "callback_query"
    ]
    fake_api.add_callback_query("y")
    assert [u.update_id for u in await bot.get_updates()] == [message_id]  # setting is kept


async def test_long_poll_returns_when_update_arrives(bot: Bot, fake_api: FakeBotAPI) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    update_id = fake_api.add_message("halo")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [update_id]
    assert time.monotonic() - started < 2


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dt.timedelta(milliseconds=300)) == ()
    assert 0.25 < time.monotonic() - started < 2


async def test_second_poll_terminates_first_with_conflict(
    bot: Bot,
    fake_api: FakeBotAPI,
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with fake_api.make_bot() as other:  # a second bot instance with the same token
        assert await other.get_updates(timeout=dt.timedelta(milliseconds=100)) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await asyncio.wait_for(first, 1)


async def test_drop_pending_updates_and_webhook_conflict(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_message("lama")
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    with pytest.raises(Conflict):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)https url"):
        await bot.set_webhook("http://example.org/hook")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    assert (await bot.get_webhook_info()).url == ""


async def test_injected_updates_parse_in_ptb(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_message(f"/start@{BOT_USERNAME} halo", chat_type="group")
    fake_api.add_message(f"🙂 @{BOT_USERNAME} boleh?", chat_type="supergroup", reply_to_bot=True)
    fake_api.add_message("", photo=True, caption="/tanya ini")
    fake_api.add_message("ubah", edited=True)
    fake_api.add_callback_query("entry:ikut-kampanye")
    fake_api.add_inline_query("kampanye")
    command, mention, photo, edited, callback, inline = await bot.get_updates()

    assert command.effective_chat.id < 0 and command.effective_chat.title
    assert command.message.parse_entities([MessageEntity.BOT_COMMAND]).popitem()[1] == (
        f"/start@{BOT_USERNAME}"
    )
    assert mention.message.parse_entities([MessageEntity.MENTION]).popitem()[1] == (
        f"@{BOT_USERNAME}"
    )
    assert mention.message.reply_to_message.from_user.id == bot.id
    assert photo.message.photo and photo.message.caption == "/tanya ini"
    assert photo.message.parse_caption_entities().popitem()[1] == "/tanya"
    assert edited.edited_message.text == "ubah"
    assert callback.callback_query.data == "entry:ikut-kampanye"
    assert inline.inline_query.query == "kampanye"
    assert isinstance(command, Update)


# ------------------------------------------------------------------ sendMessage and validation


async def test_send_message_ok(bot: Bot, fake_api: FakeBotAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Detail", callback_data="d:1")]])
    first = await bot.send_message(CHAT, "Tidak boleh.", reply_markup=markup)
    second = await bot.send_message(CHAT, "Kedua", reply_to_message_id=first.message_id)
    assert first.chat.id == CHAT and first.text == "Tidak boleh." and first.date
    assert first.reply_markup == markup
    assert second.message_id == first.message_id + 1
    assert second.reply_to_message.message_id == first.message_id

    sent = await fake_api.wait_for_messages(2, chat_id=CHAT, timeout=1)
    assert [m["text"] for m in sent] == ["Tidak boleh.", "Kedua"]
    call = fake_api.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "d:1"


async def test_text_length_counts_after_entity_parsing(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode=ParseMode.HTML)
    await bot.send_message(CHAT, "a" * 4096)
    await bot.send_message(CHAT, "é" * 4096)  # characters, not bytes
    message = await bot.send_message(CHAT, f"<b>{'&lt;' * 4096}</b>", parse_mode=ParseMode.HTML)
    assert message.text == "<" * 4096
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, f"<i>{'&amp;' * 4097}</i>", parse_mode=ParseMode.HTML)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo"'),
        ("<b>tebal", "Can't find end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("</b>", "Unexpected end tag"),
        ("1 < 2", "Unsupported start tag"),
        ("AT&T", "&amp;"),
        ("&nbsp;", "&amp;"),
        ('<span class="x">s</span>', "tg-spoiler"),
        ("<br/>", "Unsupported start tag"),
    ],
)
async def test_invalid_html_rejected(bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as exc:
        await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert reason.lower() in str(exc.value).lower()


async def test_valid_nested_html_accepted(bot: Bot) -> None:
    html = (
        "<b>Tidak <i>boleh &lt;3</i></b> &amp; "
        '<a href="https://jdih.go.id/?a=1&amp;b=2">PP 94</a> '
        '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> '
        "<blockquote expandable>kutipan</blockquote>"
        '<pre><code class="language-python">x = 1</code></pre> &#128512; &#x41;'
    )
    message = await bot.send_message(CHAT, html, parse_mode=ParseMode.HTML)
    assert message.text == "Tidak boleh <3 & PP 94 s t kutipanx = 1 😀 A"
    parsed = {e.type: text for e, text in message.parse_entities().items()}
    assert parsed[MessageEntity.BOLD] == "Tidak boleh <3"
    assert parsed[MessageEntity.ITALIC] == "boleh <3"
    assert parsed[MessageEntity.TEXT_LINK] == "PP 94"
    assert parsed[MessageEntity.EXPANDABLE_BLOCKQUOTE] == "kutipan"
    assert parsed[MessageEntity.PRE] == "x = 1"
    link = next(e for e in message.entities if e.type == MessageEntity.TEXT_LINK)
    assert link.url == "https://jdih.go.id/?a=1&b=2"
    pre = next(e for e in message.entities if e.type == MessageEntity.PRE)
    assert pre.language == "python"


def test_parse_html_offsets_are_utf16() -> None:
    plain, entities = parse_html("😀 <b>ya</b>")
    assert plain == "😀 ya"
    assert entities == [{"offset": 3, "length": 2, "type": "bold"}]
    assert parse_html("AT&T", strict_ampersand=False)[0] == "AT&T"


async def test_callback_data_over_64_bytes_rejected(bot: Bot, fake_api: FakeBotAPI) -> None:
    for data in ("a" * 65, "é" * 33):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "pilih", reply_markup=markup)
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 64)]])
    await bot.send_message(CHAT, "pilih", reply_markup=ok)
    assert len(fake_api.sent_messages()) == 1


async def test_edit_and_callback_answer(bot: Bot, fake_api: FakeBotAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Lagi", callback_data="more")]])
    sent = await bot.send_message(CHAT, "satu", reply_markup=markup)
    fake_api.add_callback_query("more", user_id=CHAT)
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == markup
    assert await bot.answer_callback_query(query.id, text="Oke")
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("<b>dua</b>", CHAT, sent.message_id, parse_mode="HTML")
    assert edited.text == "dua" and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>dua</b>", CHAT, sent.message_id, parse_mode="HTML")
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    assert fake_api.sent_messages(CHAT)[0]["text"] == "dua"
    assert fake_api.sent_messages(CHAT)[0]["reply_markup"] == markup.to_dict()


async def test_commands_chat_action_and_blocked_chat(bot: Bot, fake_api: FakeBotAPI) -> None:
    await bot.set_my_commands([BotCommand("start", "Mulai"), BotCommand("topik", "Daftar topik")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "topik"]
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    assert await bot.send_chat_action(CHAT, "typing")
    fake_api.block_chat(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(CHAT, "halo")


# ------------------------------------------------------------------ fault injection


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_surfaces_as_retry_after(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(CHAT, "halo")
    assert exc.value.retry_after in (7, dt.timedelta(seconds=7))
    await bot.send_message(CHAT, "halo")  # the fault was used up

    calls = fake_api.calls_to("sendMessage")
    assert [(c.status, c.faulted) for c in calls] == [(429, True), (200, False)]
    assert len(fake_api.sent_messages()) == 1


async def test_server_errors_surface_as_network_error(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.fail_next("sendMessage", status=500, times=2)
    fake_api.fail_next("sendMessage", status=502)
    for _ in range(3):
        with pytest.raises(NetworkError) as exc:
            await bot.send_message(CHAT, "halo")
        assert not isinstance(exc.value, BadRequest | RetryAfter | TimedOut)
    assert [c.status for c in fake_api.calls_to("sendMessage")] == [500, 500, 502]
    assert fake_api.sent_messages() == []


async def test_delay_causes_timed_out_but_message_is_delivered(
    bot: Bot,
    fake_api: FakeBotAPI,
) -> None:
    fake_api.delay_next("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "lambat", read_timeout=0.2)
    assert [m["text"] for m in fake_api.sent_messages()] == ["lambat"]
    assert fake_api.calls_to("sendMessage")[0].fault == "delay"


async def test_reset_drops_connection(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.reset_next("sendMessage")
    fake_api.reset_next("sendMessage", deliver=True)
    for _ in range(2):
        with pytest.raises(NetworkError) as exc:
            await bot.send_message(CHAT, "putus")
        assert not isinstance(exc.value, TimedOut)
    assert [c.fault for c in fake_api.calls_to("sendMessage")] == ["reset", "reset"]
    assert len(fake_api.sent_messages()) == 1  # only the deliver=True one took effect
    assert (await bot.send_message(CHAT, "pulih")).text == "pulih"


# ------------------------------------------------------------------ inline queries and files


async def test_answer_inline_query_recorded(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_inline_query("kampanye")
    (update,) = await bot.get_updates()
    query_id = update.inline_query.id

    def article(i: int, text: str = "<b>Tidak boleh.</b>") -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            str(i), f"Jawaban {i}", InputTextMessageContent(text, parse_mode=ParseMode.HTML)
        )

    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, [article(i) for i in range(51)])
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.answer_inline_query(query_id, [article(1, "<b>rusak")])
    assert await bot.answer_inline_query(query_id, [article(1), article(2)], cache_time=0)

    call = fake_api.calls_to("answerInlineQuery", include_faulted=False)[-1]
    assert call.ok and call.params["inline_query_id"] == query_id
    results = call.params["results"]
    assert [r["id"] for r in results] == ["1", "2"]
    assert results[0]["input_message_content"]["message_text"] == "<b>Tidak boleh.</b>"


async def test_send_document_recorded(bot: Bot, fake_api: FakeBotAPI) -> None:
    content = b"id,pertanyaan\n1,boleh kampanye?\n"
    message = await bot.send_document(
        CHAT,
        InputFile(io.BytesIO(content), filename="laporan.csv"),
        caption="<b>Laporan</b>",
        parse_mode=ParseMode.HTML,
    )
    assert message.document.file_name == "laporan.csv"
    assert message.caption == "Laporan"
    (doc,) = fake_api.documents
    assert (doc.chat_id, doc.filename, doc.size) == (CHAT, "laporan.csv", len(content))
    assert doc.caption == "<b>Laporan</b>" and doc.data == content
    call = fake_api.calls_to("sendDocument")[0]
    assert call.files["document"].filename == "laporan.csv"

    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_wait_for_messages_times_out_with_context(fake_api: FakeBotAPI) -> None:
    with pytest.raises(AssertionError, match=r"(?i)1 sent message"):
        await fake_api.wait_for_messages(1, timeout=0.05)


# ------------------------------------------------------------------ a real Application


async def test_application_polling_round_trip(fake_api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Halo!")

    app = (
        ApplicationBuilder()
        .token(fake_api.token)
        .base_url(fake_api.base_url)
        .base_file_url(fake_api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    update_id = fake_api.add_message("/start", user_id=77)
    async with app:
        assert app.updater is not None
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=1))
        (reply,) = await fake_api.wait_for_messages(1, chat_id=77, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Halo!"
    assert fake_api.confirmed_offset == update_id + 1
    assert fake_api.calls[1].method == "deleteWebhook"
