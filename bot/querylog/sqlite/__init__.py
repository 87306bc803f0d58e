"""The SQLite backend of the query log (the default; ``NETRAL_DB`` is a file path).

``open_sqlite()`` opens (and creates or migrates) the database and returns a
:class:`SQLiteStorage`, which implements :class:`bot.querylog.storage.Storage`:
the base (connections, log inserts) in ``connection.py``, the inbox in ``inbox.py``, the
review queries and retention in ``review.py``, the schema in ``migrations.py``.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import aiosqlite

from bot.querylog.pseudonym import (
    SALT_BYTES,
    default_key_path,
    env_key,
    read_key_file,
    write_key_file,
)
from bot.querylog.sqlite.connection import connect
from bot.querylog.sqlite.export import SQLiteExport
from bot.querylog.sqlite.inbox import SQLiteInbox
from bot.querylog.sqlite.migrations import fetch_one, migrate
from bot.querylog.sqlite.review import SQLiteReview

logger = logging.getLogger(__name__)

__all__ = ["SQLiteStorage", "open_sqlite"]


class SQLiteStorage(SQLiteInbox, SQLiteReview, SQLiteExport):
    """The Netral database in one SQLite file. Create with :func:`open_sqlite`."""


async def _pseudonym_key(
    db: aiosqlite.Connection,
    db_path: Path,
    key: bytes | None,
    key_path: Path | None,
    *,
    create_key: bool,
) -> bytes | None:
    """The HMAC key of user pseudonyms, kept outside the database.

    Databases written before the key moved out hold it in ``meta`` ('salt'): it is moved to
    the key file (so existing pseudonyms stay linkable) and deleted from the database.
    """
    stored = await fetch_one(db, "SELECT value FROM meta WHERE key = 'salt'")
    if stored is not None and (not isinstance(stored, bytes) or len(stored) != SALT_BYTES):
        raise RuntimeError(f"corrupt pseudonymisation salt in {db_path}")
    if key is None:
        key = env_key()
    if key is None:
        path = key_path or default_key_path(db_path)
        if path.is_file():
            key = read_key_file(path)
        elif not create_key:
            return stored
        else:
            key = stored or secrets.token_bytes(SALT_BYTES)
            try:
                write_key_file(path, key)
            except FileExistsError:
                key = read_key_file(path)
            except OSError as exc:
                raise RuntimeError(f"cannot create the pseudonym key file {path}: {exc}") from exc
            logger.info("pseudonym key kept in %s", path)
    if stored is not None and create_key:
        if stored != key:
            logger.warning("a pseudonym salt left in the database was removed")
        await db.execute("DELETE FROM meta WHERE key = 'salt'")
    return key


async def open_sqlite(
    path: str | Path,
    *,
    busy_timeout_ms: int = 5000,
    key: bytes | None = None,
    key_path: Path | None = None,
    create_key: bool = True,
) -> SQLiteStorage:
    """Open the database at ``path``, creating its folder and schema if needed.

    The pseudonym key (see :func:`_pseudonym_key`) is ``key``, else ``$NETRAL_PSEUDONYM_KEY``,
    else read from ``key_path`` (default ``$NETRAL_KEY_FILE``, else ``<database>.key``),
    which is created when ``create_key`` is set. Read-only users of the log (``netral
    logs``) pass ``create_key=False`` and may then have no key (``user_key`` raises).

    Use ``await storage.close()`` at shutdown, or ``async with await open_sqlite(p) as s``.
    """
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    writer = await connect(db_path, busy_timeout_ms)
    reader: aiosqlite.Connection | None = None
    try:
        mode = await fetch_one(writer, "PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal":
            logger.warning("could not enable WAL on %s (journal_mode=%s)", db_path, mode)
        await writer.execute("PRAGMA synchronous = NORMAL")
        await writer.execute("PRAGMA foreign_keys = ON")
        await migrate(writer)
        salt = await _pseudonym_key(writer, db_path, key, key_path, create_key=create_key)
        reader = await connect(db_path, busy_timeout_ms, chunk=512)
        await reader.execute("PRAGMA query_only = ON")
    except BaseException:
        if reader is not None:
            await reader.close()
        await writer.close()
        raise
    return SQLiteStorage(db_path, writer, reader, salt)
