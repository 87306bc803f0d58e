"""Reading evaluation sets: YAML lists of ``{q, expect}``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.evaluate import Case


class EvalSetError(ValueError):
    """The evaluation file cannot be used; the message says why and where."""


def _read_list(path: str | Path) -> list[Any]:
    try:
        data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalSetError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{path}: YAML syntax error: {exc}") from exc
    if not isinstance(data, list):
        raise EvalSetError(f"{path}: expected a list of items")
    return data


def is_conversation_set(path: str | Path) -> bool:
    """Whether the file holds conversations (items with ``turns``) rather than questions."""
    data = _read_list(path)
    return bool(data) and isinstance(data[0], dict) and "turns" in data[0]


def load_cases(path: str | Path) -> list[Case]:
    """Parse an evaluation file; ``expect`` is an id, a list of ids, or null;
    ``forbid_permissive: true`` marks a question that names a forbidden act."""
    return [_case(path, f"item {i}", item) for i, item in enumerate(_read_list(path), 1)]


def load_conversations(path: str | Path) -> list[list[Case]]:
    """Parse a file of conversations: ``- turns: [{q, expect}, ...]`` with two or more turns."""
    conversations = []
    for i, item in enumerate(_read_list(path), 1):
        turns = item.get("turns") if isinstance(item, dict) else None
        if not isinstance(turns, list) or len(turns) < 2:
            raise EvalSetError(f"{path}: conversation {i} needs 'turns': a list of 2 or more")
        conversations.append(
            [_case(path, f"conversation {i} turn {j}", t) for j, t in enumerate(turns, 1)]
        )
    return conversations


def _case(path: str | Path, where: str, item: Any) -> Case:
    if not isinstance(item, dict) or not isinstance(item.get("q"), str) or "expect" not in item:
        raise EvalSetError(f"{path}: {where} needs 'q' (text) and 'expect'")
    expect = item["expect"]
    if expect is None:
        ids: frozenset[str] = frozenset()
    elif isinstance(expect, str):
        ids = frozenset([expect])
    elif isinstance(expect, list) and all(isinstance(x, str) for x in expect):
        ids = frozenset(expect)
    else:
        raise EvalSetError(f"{path}: {where}: 'expect' must be an id, a list or null")
    forbid = item.get("forbid_permissive", False)
    if not isinstance(forbid, bool):
        raise EvalSetError(f"{path}: {where}: 'forbid_permissive' must be true or false")
    return Case(item["q"], ids, forbid)
