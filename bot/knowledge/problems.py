"""What validating the knowledge base reports: problems, the load result, the error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.models import KnowledgeBase


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the validator."""

    level: Literal["error", "warning"]
    file: str
    line: int | None
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        who = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}: {self.level}{who}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading found: the knowledge base (None when it has errors) and all problems."""

    kb: KnowledgeBase | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        """Only the problems that make the knowledge base unusable."""
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not block loading."""
        return [p for p in self.problems if p.level == "warning"]


class KnowledgeError(Exception):
    """Raised by ``require_knowledge`` when the knowledge base has errors."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
