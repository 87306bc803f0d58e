"""The PostgreSQL backend of the query log (``NETRAL_DB=postgresql://user:pass@host/db``).

For more than one bot process: webhook replicas behind a load balancer share one database
(see :mod:`.store` for how they share the update inbox). :func:`open_postgres` connects,
creates or migrates the schema (:mod:`.schema`) and returns a :class:`PostgresStorage`.
The URL may carry server settings as query parameters (asyncpg passes them on), e.g.
``?search_path=netral`` for a schema of its own.

The pseudonym key never goes into the database (so a dump alone cannot be re-identified):
it is ``$NETRAL_PSEUDONYM_KEY`` or the file ``$NETRAL_KEY_FILE`` (created on first start,
mode 0600). Every replica must use the same key, so one of the two is required. The
password of the URL never appears in a log line or an error message.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

import asyncpg

from bot.dburl import redact, scrub
from bot.querylog.postgres.schema import migrate
from bot.querylog.postgres.store import PostgresStorage
from bot.querylog.pseudonym import (
    KEY_ENV,
    KEY_FILE_ENV,
    SALT_BYTES,
    env_key,
    read_key_file,
    write_key_file,
)
from bot.querylog.storage import StorageOpenError

logger = logging.getLogger(__name__)

__all__ = ["PostgresOpenError", "PostgresStorage", "open_postgres"]


class PostgresOpenError(StorageOpenError):
    """The database cannot be reached or opened; the message never holds the password."""


def _key(key: bytes | None, key_path: Path | None, *, create_key: bool) -> bytes | None:
    if key is not None:
        return key
    key = env_key()
    if key is not None:
        return key
    import os

    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    path = key_path or (Path(configured) if configured else None)
    if path is None:
        if not create_key:
            return None
        raise PostgresOpenError(
            f"a PostgreSQL query log needs the pseudonym key in {KEY_ENV} or a key file "
            f"named by {KEY_FILE_ENV} (the same on every replica)"
        )
    if path.is_file():
        return read_key_file(path)
    if not create_key:
        return None
    new = secrets.token_bytes(SALT_BYTES)
    try:
        write_key_file(path, new)
    except FileExistsError:
        return read_key_file(path)
    except OSError as exc:
        raise PostgresOpenError(f"cannot create the pseudonym key file {path}: {exc}") from None
    logger.info("pseudonym key kept in %s", path)
    return new


async def open_postgres(
    url: str,
    *,
    key: bytes | None = None,
    key_path: Path | None = None,
    create_key: bool = True,
    lease_seconds: float = 30.0,
    pool_size: int = 10,
    **_: object,
) -> PostgresStorage:
    """Connect to ``url``, create or migrate the schema, and return the storage.

    Raises :class:`PostgresOpenError` (password scrubbed) when the server cannot be reached,
    refuses the login, or holds a newer schema.
    """
    shown = redact(url)
    salt = _key(key, key_path, create_key=create_key)
    try:
        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=pool_size, timeout=10, command_timeout=60
        )
    except Exception as exc:
        # `from None`: the driver's exception (and its traceback's locals) stay out of logs.
        raise PostgresOpenError(
            f"cannot connect to {shown}: {type(exc).__name__}: {scrub(str(exc), url)}"
        ) from None
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
    except Exception as exc:
        await pool.close()
        raise PostgresOpenError(
            f"cannot open the query log in {shown}: {scrub(str(exc), url)}"
        ) from None
    return PostgresStorage(pool, salt, target=shown, lease=timedelta(seconds=lease_seconds))
