"""The per-conversation memory: bounded, expiring, keyed without raw ids."""

from __future__ import annotations

from bot.core.conversation import Memory, Turn, conversation_key, new_secret


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_recall_what_was_remembered() -> None:
    memory = Memory()
    memory.remember("a", Turn("boleh like?", "medsos-like-share-komentar", "pppk"))
    assert memory.recall("a") == Turn("boleh like?", "medsos-like-share-komentar", "pppk")
    assert memory.recall("b") is None


def test_turn_expires_after_ttl() -> None:
    clock = Clock()
    memory = Memory(ttl=900, clock=clock)
    memory.remember("a", Turn("q", "ikut-kampanye"))
    clock.now += 899
    assert memory.recall("a") is not None
    clock.now += 2
    assert memory.recall("a") is None
    assert len(memory) == 0  # an expired turn is dropped, not kept


def test_least_recently_used_dropped_beyond_capacity() -> None:
    memory = Memory(capacity=2)
    memory.remember("a", Turn("qa", "x"))
    memory.remember("b", Turn("qb", "y"))
    memory.remember("a", Turn("qa2", "x"))  # a is now the most recent
    memory.remember("c", Turn("qc", "z"))
    assert memory.recall("b") is None
    assert memory.recall("a") == Turn("qa2", "x")
    assert memory.recall("c") == Turn("qc", "z")
    assert len(memory) == 2


def test_forget() -> None:
    memory = Memory()
    memory.remember("a", Turn("q", "x"))
    memory.forget("a")
    memory.forget("never-there")
    assert memory.recall("a") is None


def test_key_is_stable_private_and_distinct() -> None:
    secret = new_secret()
    key = conversation_key(secret, -100200300, 0, 1001)
    assert key == conversation_key(secret, -100200300, 0, 1001)
    assert key != conversation_key(secret, -100200300, 0, 1002)  # each group member alone
    assert key != conversation_key(secret, -100200300, 7, 1001)  # each thread alone
    assert key != conversation_key(new_secret(), -100200300, 0, 1001)  # per process
    assert "1001" not in key and "100200300" not in key
