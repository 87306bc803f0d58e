"""Trained learned models of the real knowledge base, for tests that run the bot.

Training both models on the real knowledge base takes 20-30 s. The tests' shared cache
folder (``NETRAL_CACHE_DIR``, set by tests/conftest.py) keeps only the newest few models,
and tests over the small fixture knowledge base store theirs there too, so the real ones
are soon pruned. ``models_folder`` keeps them in a folder of their own, trained once per
test session; ``seed_models`` copies them into a folder a test needs for itself (to check
another file in it, such as the stem cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def models_folder(knowledge: Path, root: Path) -> Path:
    """A cache folder holding the real knowledge base's trained models (``netral
    validate`` trains and stores them there the first time, and loads them after)."""
    shared = Path(os.environ["NETRAL_CACHE_DIR"])
    folder = shared.with_name(shared.name + "-real-models")
    if not any(folder.glob("learned-*.npz")):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "bot", "--knowledge", str(knowledge), "validate"],
            capture_output=True,
            check=True,
            cwd=root,
            env={**os.environ, "NETRAL_CACHE_DIR": str(folder)},
        )
    return folder


def seed_models(folder: Path, knowledge: Path, root: Path) -> None:
    """Copy the real knowledge base's trained models into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for model in models_folder(knowledge, root).glob("learned-*.npz"):
        shutil.copy2(model, folder / model.name)
