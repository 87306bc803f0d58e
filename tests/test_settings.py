"""Settings from the environment, and the token kept out of every output."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from bot.logconfig import RedactToken, configure_logging
from bot.settings import Settings, SettingsError

TOKEN = "123456:AAH-secret-part_xyz"


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.token is None and s.api_base_url is None
    assert s.db_path == Path("data/netral.sqlite3")
    assert s.knowledge_dir == Path("knowledge")
    assert s.admin_ids == frozenset() and s.log_level == "INFO"
    assert s.cache_dir is None


def test_reads_every_variable() -> None:
    s = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": f" {TOKEN} ",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "NETRAL_DB": "/data/x.sqlite3",
            "NETRAL_ADMIN_IDS": "11, 22;33,,",
            "NETRAL_KNOWLEDGE_DIR": "/kb",
            "NETRAL_LOG_LEVEL": "debug",
            "NETRAL_WEBHOOK_SECRET": "s3cret",
            "NETRAL_CACHE_DIR": "/var/cache/netral",
        }
    )
    assert s.token == TOKEN
    assert s.api_base_url == "http://127.0.0.1:8081/bot"
    assert s.db_path == Path("/data/x.sqlite3")
    assert s.admin_ids == frozenset({11, 22, 33})
    assert s.knowledge_dir == Path("/kb") and s.log_level == "DEBUG"
    assert s.webhook_secret == "s3cret" and "s3cret" not in repr(s)
    assert s.cache_dir == Path("/var/cache/netral")


def test_frozen() -> None:
    s = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.token = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NETRAL_ADMIN_IDS": "12,abc"}, "NETRAL_ADMIN_IDS"),
        ({"NETRAL_LOG_LEVEL": "LOUD"}, "NETRAL_LOG_LEVEL"),
        ({"NETRAL_FLOOD_PER_MINUTE": "0"}, "NETRAL_FLOOD_PER_MINUTE"),
        ({"NETRAL_FLOOD_PER_MINUTE": "2.5"}, "NETRAL_FLOOD_PER_MINUTE"),
        ({"NETRAL_FLOOD_PER_MINUTE": "lots"}, "NETRAL_FLOOD_PER_MINUTE"),
    ],
)
def test_bad_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_flood_limit() -> None:
    assert Settings.from_env({}).flood_per_minute == 20
    assert Settings.from_env({"NETRAL_FLOOD_PER_MINUTE": "45"}).flood_per_minute == 45


def test_token_not_in_repr_or_str() -> None:
    s = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert TOKEN not in repr(s) and TOKEN not in str(s)
    assert "token=set" in str(s)


def test_log_filter_redacts_token() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getMe",
        (TOKEN,),
        None,
    )
    assert RedactToken(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()


def test_configure_logging_quiets_httpx(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", TOKEN)
    assert logging.getLogger("httpx").level == logging.WARNING
    logging.getLogger("bot.test").info("calling %s", f"https://x/bot{TOKEN}/getMe")
    err = capsys.readouterr().err
    assert TOKEN not in err and "<token>" in err
    logging.getLogger().handlers.clear()
