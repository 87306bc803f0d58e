"""Shared fixtures: the real knowledge base, a small fixture one, and engines over them."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.models import KnowledgeBase
from bot.knowledge import require_knowledge

# Shared helpers: the fake Telegram Bot API server (fixture `fake_api`); PostgreSQL
# (fixtures `pg_url`, `log_target`).
pytest_plugins = ["tests.auxil.fakebotapi", "tests.auxil.pgdb"]

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL_KB = FIXTURES / "kb_small"

# Tests (and the processes they start) keep their stem cache away from ~/.cache.
os.environ["NETRAL_CACHE_DIR"] = tempfile.mkdtemp(prefix="netral-test-cache-")


@pytest.fixture(autouse=True)
def _isolated_logging() -> Iterator[None]:
    """Commands run in-process (``netral run``) configure the root logger; each test gets
    back the configuration it started with, so one test's log lines never reach another's
    captured output."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The project's real knowledge base."""
    return require_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    """An engine over the real knowledge base (built once: indexing takes a moment)."""
    return Engine(kb)


@pytest.fixture(scope="session")
def small_kb() -> KnowledgeBase:
    """A three-entry knowledge base with known content."""
    return require_knowledge(SMALL_KB)


@pytest.fixture(scope="session")
def small_engine(small_kb: KnowledgeBase) -> Engine:
    """An engine over the small fixture knowledge base."""
    return Engine(small_kb)
