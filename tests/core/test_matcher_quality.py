"""Matcher quality on the project's held-out question sets.

``questions.yaml`` and ``questions2.yaml`` were written independently of the knowledge base
and are never used to choose weights, thresholds or wording (those come from
../shared/eval/dev.yaml and tests/data/tuning*.yaml, see scripts/tune.py and
tests/data/README.md).

The product targets for unseen questions are TARGET_*: at least 90% top-1, at most 3% wrong
answers, at least 90% of out-of-scope questions rejected. Where a set does not reach a
target yet, its gate is the level reached (a floor against regressions), marked below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.evaluate import Report, evaluate
from bot.evalset import is_conversation_set, load_cases, load_conversations

DATA = Path(__file__).resolve().parents[1] / "data"
TARGET_TOP1 = 0.90
TARGET_WRONG = 0.03
TARGET_REJECTION = 0.90

# (set, minimum top-1, maximum wrong, minimum rejection)
GATES = [
    ("questions.yaml", TARGET_TOP1, TARGET_WRONG, TARGET_REJECTION),
    ("questions2.yaml", 0.875, TARGET_WRONG, TARGET_REJECTION),  # top-1: 88.0%, target not met
]


@pytest.fixture(scope="module")
def reports(engine: Engine) -> dict[str, Report]:
    matcher = engine.matcher
    out = {}
    for name, *_ in GATES:
        cases = load_cases(DATA / name)
        assert len(cases) >= 200
        out[name] = evaluate(
            cases,
            lambda q: engine.ask(q).result,
            lambda q: [c.entry.id for c in matcher.rank(matcher.tokens(q))[:3]],
        )
    return out


def _failures(report: Report, kinds: set[str]) -> str:
    return "\n".join(
        f"{o.kind}: {o.case.question!r} expect={sorted(o.case.expect)} "
        f"got={o.result.status}:{[c.entry.id for c in o.result.candidates]}"
        for o in report.outcomes
        if o.kind in kinds
    )


@pytest.mark.parametrize(("name", "min_top1", "max_wrong", "min_rejection"), GATES)
def test_held_out_quality(
    reports: dict[str, Report], name: str, min_top1: float, max_wrong: float, min_rejection: float
) -> None:
    report = reports[name]
    assert report.top1 >= min_top1, f"{name}: top-1 {report.top1:.1%}\n" + _failures(
        report, {"missed", "wrong"}
    )
    assert report.wrong_rate <= max_wrong, f"{name}: wrong {report.wrong_rate:.1%}\n" + (
        _failures(report, {"wrong", "false_answer"})
    )
    assert report.rejection >= min_rejection, f"{name}: rejection {report.rejection:.1%}\n" + (
        _failures(report, {"false_answer", "false_ambiguous"})
    )


def test_expected_ids_exist(engine: Engine) -> None:
    known = {e.id for e in engine.kb.entries}
    for path in sorted(DATA.glob("*.yaml")):
        if is_conversation_set(path):
            cases = [case for conversation in load_conversations(path) for case in conversation]
        else:
            cases = load_cases(path)
        for case in cases:
            assert case.expect <= known, (path.name, case.question)
