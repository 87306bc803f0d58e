"""Training the learned ranker in a child process, so that the bot stays small.

Training imports scikit-learn and builds the feature matrix: with the real knowledge base
the process that trains grows to about 270 MB and keeps most of it afterwards, while a
process that loads a stored model needs about 100 MB. ``enable()`` makes the learned
ranker train in a fresh child process (``spawn``: nothing of the bot is copied into it)
that returns the model as plain arrays. Where a child cannot be started (no ``fork`` or
``spawn`` allowed, too little memory, the child dies), training happens in this process
instead: the model is the same either way.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot import memtrim
from bot.core import learned
from bot.core.learned import Arrays, LearnedModel

_LOG = logging.getLogger(__name__)


def _train_arrays(samples: list[tuple[tuple[str, ...], str]], min_df: int) -> Arrays:
    """In the child: the trained model as arrays (picklable, no sklearn objects)."""
    return learned.train(samples, min_df).to_arrays()


def train_in_child(samples: Sequence[tuple[Sequence[str], str]], min_df: int = 1) -> LearnedModel:
    """``learned.train(samples, min_df)``, computed in a child process when one can be
    started."""
    plain = [(tuple(tokens), label) for tokens, label in samples]
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            arrays = pool.submit(_train_arrays, plain, min_df).result()
        model = LearnedModel.from_arrays(arrays)
        del arrays
        memtrim.release()  # the received arrays' memory, back to the system
        return model
    except (OSError, BrokenProcessPool, ValueError, KeyError) as exc:
        _LOG.warning("training in a child process failed (%s); training here", exc)
        return learned.train(plain, min_df)


def enable() -> None:
    """Train the learned ranker in a child process from now on."""
    learned.set_trainer(train_in_child)
