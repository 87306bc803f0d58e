"""Matcher quality on the project's held-out question sets.

``questions.yaml`` and ``questions2.yaml`` were written independently of the knowledge base
and are never used to choose weights, thresholds or wording (those come from
../shared/eval/dev.yaml and tests/data/tuning*.yaml, see scripts/tune.py and
tests/data/README.md).

The product targets for unseen questions are TARGET_* (issue 8): at least 90% top-1, at
most 2% wrong answers, at least 97% of in-scope questions answered right or offered the
right entry among the suggestions, at least 93% of out-of-scope questions declined. Both
sets reach every target; where a set does not, its gate is the level reached (a floor
against regressions), marked below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.evaluate import Report, evaluate
from bot.core.followup_eval import evaluate_conversations
from bot.knowledge.evalset import is_conversation_set, load_cases, load_conversations

DATA = Path(__file__).resolve().parents[1] / "data"
TARGET_TOP1 = 0.90
TARGET_WRONG = 0.02
TARGET_RIGHT_OR_SUGGESTED = 0.97
TARGET_REJECTION = 0.93

# (set, minimum top-1, maximum wrong, minimum right-or-suggested, minimum rejection)
# Reached: questions.yaml 97.7% / 0.0% / 99.5% / 100%; questions2.yaml 96.1% / 0.6% /
# 98.5% / 100% (December 2026).
GATES = [
    ("questions.yaml", TARGET_TOP1, TARGET_WRONG, TARGET_RIGHT_OR_SUGGESTED, TARGET_REJECTION),
    ("questions2.yaml", TARGET_TOP1, TARGET_WRONG, TARGET_RIGHT_OR_SUGGESTED, TARGET_REJECTION),
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


@pytest.mark.parametrize(
    ("name", "min_top1", "max_wrong", "min_right_or_suggested", "min_rejection"), GATES
)
def test_held_out_quality(
    reports: dict[str, Report],
    name: str,
    min_top1: float,
    max_wrong: float,
    min_right_or_suggested: float,
    min_rejection: float,
) -> None:
    report = reports[name]
    assert report.right_or_suggested >= min_right_or_suggested, (
        f"{name}: right or suggested {report.right_or_suggested:.1%}\n"
        + _failures(report, {"missed", "wrong"})
    )
    assert report.top1 >= min_top1, f"{name}: top-1 {report.top1:.1%}\n" + _failures(
        report, {"missed", "wrong"}
    )
    assert report.wrong_rate <= max_wrong, f"{name}: wrong {report.wrong_rate:.1%}\n" + (
        _failures(report, {"wrong", "false_answer"})
    )
    assert report.rejection >= min_rejection, f"{name}: rejection {report.rejection:.1%}\n" + (
        _failures(report, {"false_answer", "false_ambiguous"})
    )


# The blind real-style held-out sets (tests/data/real_heldout*.yaml; see tests/data/README.md).
# Each is gated at the level reached, as a floor against regressions. Reached (December 2026,
# session 7: twelve more blind writers' files as training examples, half of them near misses
# out of scope; the sentence rule on for single messages): real_heldout 92.7% top-1 / 1.0%
# wrong / 98.1% right or suggested / 94.1% declined; its follow-up turns 98.2% / 1.5% /
# 98.2% / 100%; real_heldout2 91.6% / 1.5% / 97.6% / 96.5%; its follow-up turns 92.3% /
# 4.8% / 94.2% / 100%. Only the figures are reported on failure, never the questions: these
# sets stay unread so that they keep measuring.
REAL_GATES = [
    ("real_heldout.yaml", 0.92, 0.011, 0.98, 0.94),
    ("real_heldout_conversations.yaml", 0.98, 0.016, 0.98, 1.0),
    ("real_heldout2.yaml", 0.91, 0.016, 0.97, 0.96),
    ("real_heldout2_conversations.yaml", 0.92, 0.049, 0.94, 1.0),
]


@pytest.mark.parametrize(
    ("name", "min_top1", "max_wrong", "min_right_or_suggested", "min_rejection"), REAL_GATES
)
def test_real_style_held_out_quality(
    engine: Engine,
    name: str,
    min_top1: float,
    max_wrong: float,
    min_right_or_suggested: float,
    min_rejection: float,
) -> None:
    path = DATA / name
    if is_conversation_set(path):
        report = evaluate_conversations(load_conversations(path), engine)
    else:
        matcher = engine.matcher
        report = evaluate(
            load_cases(path),
            lambda q: engine.ask(q).result,
            lambda q: [c.entry.id for c in matcher.rank(matcher.tokens(q))[:3]],
        )
    # Plain numbers only: an assertion on the report itself would print its questions.
    top1, wrong = report.top1, report.wrong_rate
    right_or_suggested, rejection = report.right_or_suggested, report.rejection
    del report
    figures = (
        f"{name}: top-1 {top1:.1%}, wrong {wrong:.1%}, right or suggested "
        f"{right_or_suggested:.1%}, declined {rejection:.1%}"
    )
    assert top1 >= min_top1, figures
    assert wrong <= max_wrong, figures
    assert right_or_suggested >= min_right_or_suggested, figures
    assert rejection >= min_rejection, figures


def test_expected_ids_exist(engine: Engine) -> None:
    known = {e.id for e in engine.kb.entries}
    for path in sorted(DATA.glob("*.yaml")):
        if is_conversation_set(path):
            cases = [case for conversation in load_conversations(path) for case in conversation]
        else:
            cases = load_cases(path)
        for case in cases:
            assert case.expect <= known, (path.name, case.question)
