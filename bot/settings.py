"""Configuration: read once from the environment into a frozen object.

The bot token is kept out of ``repr`` and ``str`` so that it can never reach a log line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.dburl import is_url, redact

# The admin commands' default period (/unanswered, /laporan), in days.
RECENT_DAYS: Final = 30


class SettingsError(ValueError):
    """A variable is set to something unusable; the message names it (never its secret)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot and the CLI read from the environment."""

    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    db_path: Path = Path("data/netral.sqlite3")
    # NETRAL_DB given as a URL (postgresql://...): it replaces db_path; may hold a password.
    db_url: str | None = field(default=None, repr=False)
    admin_ids: frozenset[int] = frozenset()
    knowledge_dir: Path = Path("knowledge")
    log_level: str = "INFO"
    webhook_secret: str | None = field(default=None, repr=False)
    # folder of the stem cache (bot/stemcache.py); None: ~/.cache/netral
    cache_dir: Path | None = None
    # Several replicas (PostgreSQL): this process's share of Telegram's per-bot send limits
    # (0 < share <= 1, e.g. 0.5 for each of two replicas), and how long a pending update
    # stays with the replica holding it before another may take it over (seconds).
    rate_share: float = 1.0
    lease_seconds: float = 30.0
    # Flood control: questions (and other updates) one user may send a minute, per process.
    flood_per_minute: int = 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL and the NETRAL_* variables."""
        env = os.environ if env is None else env
        admins: set[int] = set()
        for part in env.get("NETRAL_ADMIN_IDS", "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                admins.add(int(part))
            except ValueError:
                raise SettingsError(
                    f"NETRAL_ADMIN_IDS: '{part}' is not a numeric Telegram user id"
                ) from None
        level = env.get("NETRAL_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if not isinstance(logging.getLevelName(level), int):
            raise SettingsError(f"NETRAL_LOG_LEVEL: unknown level '{level}'")
        db = env.get("NETRAL_DB", "").strip() or "data/netral.sqlite3"
        share = _number(env, "NETRAL_RATE_SHARE", 1.0)
        if not 0 < share <= 1:
            raise SettingsError(f"NETRAL_RATE_SHARE: {share} is not in (0, 1]")
        lease = _number(env, "NETRAL_LEASE_SECONDS", 30.0)
        if not 1 <= lease <= 3600:
            raise SettingsError(f"NETRAL_LEASE_SECONDS: {lease} is not between 1 and 3600")
        flood = _number(env, "NETRAL_FLOOD_PER_MINUTE", 20)
        if flood != int(flood) or not 1 <= flood <= 1000:
            raise SettingsError(f"NETRAL_FLOOD_PER_MINUTE: {flood:g} is not a whole number 1-1000")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or None,
            db_path=Path("data/netral.sqlite3") if is_url(db) else Path(db),
            db_url=db if is_url(db) else None,
            admin_ids=frozenset(admins),
            knowledge_dir=Path(env.get("NETRAL_KNOWLEDGE_DIR", "").strip() or "knowledge"),
            log_level=level,
            webhook_secret=env.get("NETRAL_WEBHOOK_SECRET", "").strip() or None,
            cache_dir=Path(cache) if (cache := env.get("NETRAL_CACHE_DIR", "").strip()) else None,
            rate_share=share,
            lease_seconds=lease,
            flood_per_minute=int(flood),
        )

    @property
    def database(self) -> str | Path:
        """What ``open_storage`` opens: the URL when one is set, else the SQLite file."""
        return self.db_url or self.db_path

    def __str__(self) -> str:
        token = "set" if self.token else "not set"
        return (
            f"Settings(token={token}, api_base_url={self.api_base_url}, "
            f"db={redact(self.database)}, "
            f"admins={len(self.admin_ids)}, knowledge_dir={self.knowledge_dir}, "
            f"log_level={self.log_level})"
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise SettingsError(f"{name}: '{text}' is not a number") from None
