"""The stem cache on disk: same answers with or without it; bad files are ignored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import stemcache
from bot.core.normalize import stem_cache
from tests.auxil.modelseed import seed_models
from tests.conftest import KNOWLEDGE, ROOT


@pytest.fixture
def clean_cache() -> Iterator[dict[str, str]]:
    """The process-wide cache, restored after the test."""
    cache = stem_cache()
    saved = dict(cache)
    yield cache
    cache.clear()
    cache.update(saved)


def test_save_then_load(tmp_path: Path, clean_cache: dict[str, str]) -> None:
    clean_cache.clear()
    clean_cache.update({"berkampanye": "kampanye", "dipecat": "pecat"})
    path = tmp_path / "sub" / "stems.json"
    assert stemcache.save(path)
    clean_cache.clear()
    assert stemcache.load(path) == 2
    assert clean_cache == {"berkampanye": "kampanye", "dipecat": "pecat"}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"a": 1, "b": "b"}', ""])
def test_bad_files_are_ignored(tmp_path: Path, clean_cache: dict[str, str], content: str) -> None:
    path = tmp_path / "stems.json"
    path.write_text(content, encoding="utf-8")
    clean_cache.clear()
    stemcache.load(path)
    assert clean_cache in ({}, {"b": "b"})  # only well-formed pairs are taken


def test_missing_file_and_unwritable_folder(tmp_path: Path, clean_cache: dict[str, str]) -> None:
    assert stemcache.load(tmp_path / "nope.json") == 0
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert not stemcache.save(blocker / "stems.json")  # a file where a folder should be


def _ask(cache_dir: Path, question: str) -> dict[str, object]:
    env = {**os.environ, "NETRAL_CACHE_DIR": str(cache_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", question],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_a_run_saves_the_cache_and_the_next_gives_the_same_answer(tmp_path: Path) -> None:
    seed_models(tmp_path, KNOWLEDGE, ROOT)  # the stems are under test, not the models
    question = "boleh gak pns berkampanye untuk paslon di medsos"
    first = _ask(tmp_path, question)
    (saved,) = tmp_path.glob("stems-sastrawi-*.json")
    stems = json.loads(saved.read_text(encoding="utf-8"))
    assert stems["berpihak"] == "pihak" and len(stems) > 1000
    assert _ask(tmp_path, question) == first
