"""The knowledge base in ``knowledge/``: loading, validation and linting.

* :mod:`.load`     the YAML files -> :class:`bot.core.models.KnowledgeBase`, every problem
  with file, line and entry id (``load_knowledge``, ``require_knowledge``);
* :mod:`.lint`     duplicate and near-duplicate phrasings (normaliser, rapidfuzz);
* :mod:`.problems` ``Problem``, ``LoadResult``, ``KnowledgeError``.

Add an entry field: its model field in ``bot/core/models.py``, its schema line in
``load._ENTRY_FIELDS`` and its check and conversion in ``load._Validator._entry``, a case
in ``tests/knowledge/test_validation.py``, and where the renderer shows it
(``bot/core/render.py``).
"""

from __future__ import annotations

from bot.knowledge.load import LEXICON_FILE, OFFTOPIC_FILE, load_knowledge, require_knowledge
from bot.knowledge.problems import KnowledgeError, LoadResult, Problem

__all__ = [
    "LEXICON_FILE",
    "OFFTOPIC_FILE",
    "KnowledgeError",
    "LoadResult",
    "Problem",
    "load_knowledge",
    "require_knowledge",
]
