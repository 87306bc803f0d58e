"""Scoring the matcher on a list of questions with expected entry ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.matcher import MatchResult
from bot.core.safety import is_permissive_first


@dataclass(frozen=True, slots=True)
class Case:
    """One evaluation question; ``expect`` is empty for an out-of-scope question."""

    question: str
    expect: frozenset[str]
    # The question names a forbidden act: a boleh/bersyarat verdict first is a failure of
    # its own (counted by Report.permissive_forbidden).
    forbid_permissive: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one case went."""

    case: Case
    result: MatchResult
    kind: str  # correct | wrong | clarified | missed | rejected | false_answer | false_ambiguous

    @property
    def failed(self) -> bool:
        """Anything but a correct answer or a correct rejection."""
        return self.kind not in ("correct", "rejected")


@dataclass(frozen=True, slots=True)
class Report:
    """Figures over a whole set."""

    outcomes: tuple[Outcome, ...]
    recall3_hits: int

    def count(self, kind: str) -> int:
        """How many outcomes are of this kind."""
        return sum(1 for o in self.outcomes if o.kind == kind)

    @property
    def in_scope(self) -> int:
        """Cases with an expected id."""
        return sum(1 for o in self.outcomes if o.case.expect)

    @property
    def out_of_scope(self) -> int:
        """Cases expecting no answer."""
        return len(self.outcomes) - self.in_scope

    @property
    def top1(self) -> float:
        """Share of in-scope questions answered with an expected id."""
        return _share(self.count("correct"), self.in_scope)

    @property
    def wrong_rate(self) -> float:
        """Share of all questions answered confidently with a wrong entry."""
        return _share(self.count("wrong") + self.count("false_answer"), len(self.outcomes))

    @property
    def clarified_rate(self) -> float:
        """Share of in-scope questions answered with suggestions including an expected id."""
        return _share(self.count("clarified"), self.in_scope)

    @property
    def right_or_suggested(self) -> float:
        """Share of in-scope questions answered with an expected id or offered it among the
        suggestions: the user reaches the right answer in at most one tap."""
        return _share(self.count("correct") + self.count("clarified"), self.in_scope)

    @property
    def dead_end_rate(self) -> float:
        """Share of in-scope questions that got neither an answer nor any suggestion."""
        return _share(
            sum(1 for o in self.outcomes if o.case.expect and o.result.status == "no_match"),
            self.in_scope,
        )

    @property
    def missed_rate(self) -> float:
        """Share of in-scope questions with no match or suggestions that miss the id."""
        return _share(self.count("missed"), self.in_scope)

    @property
    def recall3(self) -> float:
        """Share of in-scope questions with an expected id among the top three ranked."""
        return _share(self.recall3_hits, self.in_scope)

    @property
    def rejection(self) -> float:
        """Share of out-of-scope questions that got no answer (no_match)."""
        return _share(self.count("rejected"), self.out_of_scope)

    @property
    def forbid_permissive_cases(self) -> int:
        """Cases marked ``forbid_permissive``."""
        return sum(1 for o in self.outcomes if o.case.forbid_permissive)

    @property
    def permissive_forbidden(self) -> int:
        """Cases marked ``forbid_permissive`` whose reply opens with a boleh or bersyarat
        verdict (an answer, or suggestions led by one)."""
        return sum(
            1 for o in self.outcomes if o.case.forbid_permissive and is_permissive_first(o.result)
        )

    def summary_lines(self) -> list[str]:
        """The figures as the CLI prints them."""
        n, ins, oos = len(self.outcomes), self.in_scope, self.out_of_scope
        lines = [
            f"questions: {n} ({ins} in scope, {oos} out of scope)",
            f"top-1 accuracy: {self.top1:.1%} ({self.count('correct')}/{ins})   "
            f"recall@3: {self.recall3:.1%}",
            f"right answer or right suggestion: {self.right_or_suggested:.1%}   "
            f"dead ends (in scope, no answer and no suggestion): {self.dead_end_rate:.1%}",
            f"wrong answers: {self.wrong_rate:.1%} "
            f"({self.count('wrong')} in scope, {self.count('false_answer')} out of scope)   "
            f"clarifications: {self.clarified_rate:.1%} ({self.count('clarified')})   "
            f"misses: {self.missed_rate:.1%} ({self.count('missed')})",
            f"out-of-scope rejected: {self.rejection:.1%} ({self.count('rejected')}/{oos}; "
            f"{self.count('false_ambiguous')} got suggestions)",
        ]
        if self.forbid_permissive_cases:
            lines.append(
                f"forbidden acts answered boleh/bersyarat first: {self.permissive_forbidden} "
                f"of {self.forbid_permissive_cases}"
            )
        return lines


def evaluate(
    cases: Iterable[Case],
    match: Callable[[str], MatchResult],
    rank_ids: Callable[[str], list[str]],
) -> Report:
    """Run every case through ``match`` and classify the outcome."""
    outcomes = []
    hits = 0
    for case in cases:
        result = match(case.question)
        outcomes.append(Outcome(case, result, _classify(case, result)))
        if case.expect and case.expect & set(rank_ids(case.question)[:3]):
            hits += 1
    return Report(tuple(outcomes), hits)


def _classify(case: Case, result: MatchResult) -> str:
    ids = {c.entry.id for c in result.candidates}
    if not case.expect:
        return {"no_match": "rejected", "answered": "false_answer"}.get(
            result.status, "false_ambiguous"
        )
    if result.status == "answered":
        return "correct" if ids & case.expect else "wrong"
    if result.status == "ambiguous" and ids & case.expect:
        return "clarified"
    return "missed"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
