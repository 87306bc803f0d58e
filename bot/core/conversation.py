"""A short memory per conversation, so that follow-ups ("kalau pppk?") are read in context.

Each private chat, and each user within a group thread, keeps its last turn: the text the
answer was found for, the entry it got, and the asker's status if they named it. A turn is
forgotten after ``ttl`` seconds, and the least recently used conversations are dropped
beyond ``capacity``. Keys are keyed hashes (``conversation_key``) under a secret made at
start: the memory holds no raw user or chat id, and a restart forgets everything (nothing
here is worth persisting).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

# How long a turn is remembered: a follow-up comes within minutes of the answer.
MEMORY_TTL_SECONDS: Final = 15 * 60
# Conversations remembered at once (a few hundred bytes each).
MEMORY_CAPACITY: Final = 50_000


@dataclass(frozen=True, slots=True)
class Turn:
    """What a follow-up needs of the previous exchange."""

    # The text the entry was found for: the question itself, or, after a follow-up that
    # was read in context, that question joined to the one before it.
    text: str
    # The entry answered or chosen (a suggestion button); None when nothing was answered.
    entry_id: str | None
    # The asker's status (pns, cpns, pppk, pejabat, honorer) once they have named it.
    status: str | None = None
    # The entries offered when the turn got "Maksud Anda" rather than an answer (the first
    # is ``entry_id``): a follow-up then cannot take the first one as a sure answer.
    offered: tuple[str, ...] = ()
    # The turn before, when it was about another entry (kept one deep): "balik ke yg tadi,
    # ..." returns to it.
    earlier: Turn | None = None


def conversation_key(secret: bytes, *ids: object) -> str:
    """A stable key for one conversation that does not reveal the ids it is made from."""
    data = "\x1f".join(str(i) for i in ids).encode()
    return hashlib.blake2b(data, key=secret, digest_size=16).hexdigest()


def new_secret() -> bytes:
    """A random key for ``conversation_key``, made once per process."""
    return secrets.token_bytes(32)


class Memory:
    """Last turns by conversation key: bounded (LRU) and expiring."""

    def __init__(
        self,
        *,
        ttl: float = MEMORY_TTL_SECONDS,
        capacity: int = MEMORY_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._turns: OrderedDict[str, tuple[float, Turn]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def recall(self, key: str) -> Turn | None:
        """The conversation's last turn, or None when there is none or it has expired."""
        found = self._turns.get(key)
        if found is None:
            return None
        at, turn = found
        if self._clock() - at > self._ttl:
            del self._turns[key]
            return None
        return turn

    def remember(self, key: str, turn: Turn) -> None:
        """Store the conversation's last turn, dropping the oldest beyond capacity."""
        self._turns[key] = (self._clock(), turn)
        self._turns.move_to_end(key)
        while len(self._turns) > self._capacity:
            self._turns.popitem(last=False)

    def forget(self, key: str) -> None:
        """Drop the conversation's turn (e.g. /start)."""
        self._turns.pop(key, None)
