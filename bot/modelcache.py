"""Trained ranker models on disk: start-up without training again.

Training the learned ranker (``bot/core/learned.py``) imports scikit-learn and fits a model:
about 1.5 s. ``enable()`` makes every model trained in this process be saved as
``learned-<hash>.npz`` in the cache folder (NETRAL_CACHE_DIR, default ~/.cache/netral), and
looked up there first. The hash covers the training data and the feature version, so a
changed knowledge base (``/reload``, ``netral validate``) trains and saves a new model. A
missing, unreadable or corrupt file, or a read-only folder, only means training again: the
results are the same either way. Files are plain arrays (``allow_pickle=False``).
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Final

import numpy as np

from bot import memtrim
from bot.core import learned
from bot.core.learned import Arrays

_LOG = logging.getLogger(__name__)

# Older models beyond this many are deleted when a new one is saved.
KEEP: Final = 4


class NpzStore:
    """A ``learned.ModelStore`` over one folder of .npz files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        """The file of one model."""
        return self.folder / f"learned-{key[:32]}.npz"

    def load(self, key: str) -> Arrays | None:
        """The arrays saved under ``key``, or None when missing or unreadable."""
        try:
            with np.load(self.path(key), allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            if not isinstance(exc, FileNotFoundError):
                _LOG.debug("learned model not read: %s", exc)
            return None

    def save(self, key: str, arrays: Arrays) -> None:
        """Write atomically; any I/O error only leaves the model unsaved."""
        target = self.path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".learned-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    np.savez(out, allow_pickle=False, **arrays)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._prune(target)
        except OSError as exc:
            _LOG.debug("learned model not saved: %s", exc)
        finally:
            memtrim.release()  # the arrays written were temporaries

    def _prune(self, keep: Path) -> None:
        models = sorted(
            (p for p in self.folder.glob("learned-*.npz") if p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in models[KEEP - 1 :]:
            old.unlink(missing_ok=True)


def default_folder() -> Path:
    """~/.cache/netral."""
    return Path.home() / ".cache" / "netral"


def enable(folder: Path | None = None) -> NpzStore:
    """Keep trained models in ``folder`` (default ~/.cache/netral) from now on."""
    store = NpzStore(folder or default_folder())
    learned.set_store(store)
    return store
