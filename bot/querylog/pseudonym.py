"""User pseudonyms: the keyed hash the log stores instead of a Telegram id.

Telegram ids are never stored: callers log ``storage.user_key(user_id)``, an HMAC-SHA256
with a random key kept outside the database (a key file or ``$NETRAL_PSEUDONYM_KEY``), so
a copy of the database alone cannot be re-identified. Every backend uses these helpers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Final

SALT_BYTES: Final = 32
USER_KEY_HEX_CHARS: Final = 16

KEY_ENV: Final = "NETRAL_PSEUDONYM_KEY"
KEY_FILE_ENV: Final = "NETRAL_KEY_FILE"


def default_key_path(db_path: Path) -> Path:
    """Where the pseudonym key lives unless told otherwise: ``$NETRAL_KEY_FILE``, else
    next to the database as ``<database>.key``."""
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    return Path(configured) if configured else db_path.with_name(db_path.name + ".key")


def read_key_file(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise RuntimeError(f"pseudonym key file {path} is not hex") from None
    if len(key) < 16:
        raise RuntimeError(f"pseudonym key in {path} is shorter than 16 bytes")
    return key


def write_key_file(path: Path, key: bytes) -> None:
    """Create ``path`` readable by its owner only; never overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")


def env_key() -> bytes | None:
    """The key given in ``$NETRAL_PSEUDONYM_KEY``, if any."""
    env = os.environ.get(KEY_ENV, "").strip()
    return env.encode("utf-8") if env else None


def pseudonym(key: bytes | None, user_id: int) -> str:
    """Stable pseudonym for a Telegram user id (16 hex chars, keyed HMAC-SHA256)."""
    if key is None:
        raise RuntimeError("no pseudonym key: the database was opened read-only")
    digest = hmac.new(key, str(user_id).encode("ascii"), hashlib.sha256)
    return digest.hexdigest()[:USER_KEY_HEX_CHARS]
