"""A stem cache on disk: start-up without stemming the knowledge base's words again.

Sastrawi takes most of the engine's start-up (a few thousand words at about 0.1 ms each).
``enable()`` loads the stems saved by an earlier run into the process-wide cache of
``bot.core.normalize`` and saves the cache at exit when it grew. The file is keyed by the
Sastrawi version; a missing, unreadable or corrupt file, or a read-only cache folder, only
means stemming from scratch: the results are the same either way.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Final

from bot.core.normalize import stem_cache

_LOG = logging.getLogger(__name__)

# Beyond this many words the file stops growing (a long-running bot sees many typos).
MAX_SAVED: Final = 200_000


def cache_path(folder: Path | None = None) -> Path:
    """<folder, default ~/.cache/netral>/stems-sastrawi-<version>.json."""
    folder = folder or Path.home() / ".cache" / "netral"
    try:
        version = metadata.version("PySastrawi")
    except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        version = "unknown"
    return folder / f"stems-sastrawi-{version}.json"


def load(path: Path) -> int:
    """Add the stems saved in ``path`` to the cache; return how many were read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if not isinstance(data, dict):
        return 0
    stems = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
    cache = stem_cache()
    for word, stem in stems.items():
        cache.setdefault(word, stem)
    return len(stems)


def save(path: Path) -> bool:
    """Write the cache to ``path`` atomically; False (and nothing written) on any error."""
    cache = stem_cache()
    items = dict(list(cache.items())[:MAX_SAVED])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".stems-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(items, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        _LOG.debug("stem cache not saved: %s", exc)
        return False
    return True


def enable(target: Path) -> None:
    """Load the stems saved in ``target`` now; save them there at exit if new words were
    stemmed."""
    load(target)
    cache = stem_cache()
    before = len(cache)

    def _save_if_grown() -> None:
        if len(cache) > before:
            save(target)

    atexit.register(_save_if_grown)
