"""Matcher quality on the project's held-out question set (tests/data/questions.yaml).

The set was written independently of the knowledge base and is never used to choose
weights or thresholds (those come from ../shared/eval/dev.yaml, tests/data/tuning.yaml and
tests/data/tuning2.yaml, see scripts/tune.py).

The product targets for unseen questions are TARGET_*: at least 90% top-1, at most 3% wrong
answers, at least 90% of out-of-scope questions rejected. Top-1 meets its target; wrong
answers and rejection do not yet (4.9% and 83.9% at the last tuning), so those two gates
are floors at the level reached, to stop regressions while the gap is worked on; raise
them as the figures improve, up to the targets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.evaluate import Report, evaluate
from bot.evalset import load_cases

DATA = Path(__file__).resolve().parent / "data"
TARGET_TOP1 = 0.90
TARGET_WRONG = 0.03
TARGET_REJECTION = 0.90

MIN_TOP1 = TARGET_TOP1
MAX_WRONG = 0.05  # target 0.03, not reached yet
MIN_REJECTION = 0.83  # target 0.90, not reached yet


@pytest.fixture(scope="module")
def report(engine: Engine) -> Report:
    matcher = engine.matcher
    cases = load_cases(DATA / "questions.yaml")
    assert len(cases) >= 200
    return evaluate(
        cases,
        lambda q: engine.ask(q).result,
        lambda q: [c.entry.id for c in matcher.rank(matcher.tokens(q))[:3]],
    )


def _failures(report: Report, kinds: set[str]) -> str:
    return "\n".join(
        f"{o.kind}: {o.case.question!r} expect={sorted(o.case.expect)} "
        f"got={o.result.status}:{[c.entry.id for c in o.result.candidates]}"
        for o in report.outcomes
        if o.kind in kinds
    )


def test_top1_accuracy(report: Report) -> None:
    assert report.top1 >= MIN_TOP1, f"top-1 {report.top1:.1%} < {MIN_TOP1:.0%}\n" + _failures(
        report, {"missed", "wrong"}
    )


def test_wrong_answers(report: Report) -> None:
    assert report.wrong_rate <= MAX_WRONG, (
        f"wrong {report.wrong_rate:.1%} > {MAX_WRONG:.0%}\n"
        + _failures(report, {"wrong", "false_answer"})
    )


def test_out_of_scope_rejection(report: Report) -> None:
    assert report.rejection >= MIN_REJECTION, (
        f"rejection {report.rejection:.1%} < {MIN_REJECTION:.0%}\n"
        + _failures(report, {"false_answer", "false_ambiguous"})
    )


def test_expected_ids_exist(engine: Engine) -> None:
    known = {e.id for e in engine.kb.entries}
    for name in ("questions.yaml", "tuning.yaml"):
        for case in load_cases(DATA / name):
            assert case.expect <= known, (name, case.question)
