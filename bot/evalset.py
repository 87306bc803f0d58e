"""Reading evaluation sets: YAML lists of ``{q, expect}``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.evaluate import Case


class EvalSetError(ValueError):
    """The evaluation file cannot be used; the message says why and where."""


def load_cases(path: str | Path) -> list[Case]:
    """Parse an evaluation file; ``expect`` is an id, a list of ids, or null;
    ``forbid_permissive: true`` marks a question that names a forbidden act."""
    try:
        data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalSetError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{path}: YAML syntax error: {exc}") from exc
    if not isinstance(data, list):
        raise EvalSetError(f"{path}: expected a list of {{q, expect}} items")
    cases = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or "expect" not in item:
            raise EvalSetError(f"{path}: item {i} needs 'q' (text) and 'expect'")
        expect = item["expect"]
        if expect is None:
            ids: frozenset[str] = frozenset()
        elif isinstance(expect, str):
            ids = frozenset([expect])
        elif isinstance(expect, list) and all(isinstance(x, str) for x in expect):
            ids = frozenset(expect)
        else:
            raise EvalSetError(f"{path}: item {i}: 'expect' must be an id, a list or null")
        forbid = item.get("forbid_permissive", False)
        if not isinstance(forbid, bool):
            raise EvalSetError(f"{path}: item {i}: 'forbid_permissive' must be true or false")
        cases.append(Case(item["q"], ids, forbid))
    return cases
