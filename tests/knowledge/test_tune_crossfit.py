"""scripts/tune.py: the decision is fitted on inputs from models that never saw the file."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.core.evaluate import Case
from bot.core.matcher import DEFAULT_WEIGHTS
from bot.core.models import Example, KnowledgeBase
from bot.knowledge import require_knowledge
from tests.conftest import SMALL_KB

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "tune.py"


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tune_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tune_script"] = module  # dataclasses of the script look themselves up
    spec.loader.exec_module(module)
    return module


def test_each_file_is_read_by_a_ranker_trained_without_its_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tune = script()
    kb = require_knowledge(SMALL_KB)
    first = Example("Sy PNS, boleh  like postingan caleg?", "medsos-like")
    second = Example("boleh ikut konser paslon di lapangan?", "ikut-kampanye")
    writers = Example("tpp kapan cair", "gaji-tunjangan")
    kb = replace(kb, examples=(first, second, writers))
    files = [
        [Case("sy pns, boleh like postingan caleg?", frozenset({"medsos-like"}))],
        [Case("boleh ikut konser paslon di lapangan?", frozenset({"ikut-kampanye"}))],
        [Case("boleh nyoblos?", frozenset({"hak-pilih"}))],  # no example: the whole base
    ]
    seen: list[tuple[tuple[Example, ...], float]] = []

    class Recording:
        def __init__(self, base: KnowledgeBase, weights: Any) -> None:
            seen.append((base.examples, weights.learned))

    monkeypatch.setattr(tune, "Matcher", Recording)
    monkeypatch.setattr(tune, "collect_inputs", lambda matcher, cases: [len(seen)] * len(cases))
    configs = [DEFAULT_WEIGHTS, replace(DEFAULT_WEIGHTS, learned=0.5)]
    collected = tune.crossfit_inputs(kb, files, configs)
    learned = DEFAULT_WEIGHTS.learned
    assert seen == [
        ((second, writers), learned),  # case and spacing do not hide a file's own question
        ((second, writers), 0.5),
        ((first, writers), learned),
        ((first, writers), 0.5),
        ((first, second, writers), learned),
        ((first, second, writers), 0.5),
    ]
    # Each configuration gets every file's inputs, in file order.
    assert collected == [[1, 3, 5], [2, 4, 6]]
