"""A learned ranker beside the matcher's hand-built signals.

A linear classifier over TF-IDF features, trained on the knowledge base itself: every
phrasing, keyword and title of an entry is a sample of that entry's class, every example
question of an out-of-scope topic a sample of the topic's class (``~<topic id>``). Its
input is the matcher's tokens (normalised, corrected stems), so it sees what the hand-built
signals see, but through character n-grams it also scores words it has never seen whole
("kampanyenya", "stiker", regional spellings) and it learns which words separate entries
rather than which are rare.

Features (chosen by measurement on the tuning sets, see scripts/tune.py): the character
2-5-grams of each token padded with spaces, the tokens themselves and pairs of neighbouring
tokens; sublinear TF, smoothed IDF, L2 normalisation. Model: a one-vs-rest linear SVM
(liblinear, fixed seed). Logistic regression ranked as well but trained 20-50 times slower.

Training needs scikit-learn (imported only then, ~1.5 s); applying a model needs only
numpy. A trained model is kept per process, keyed by a hash of its training data, and a
``ModelStore`` (``bot/modelcache.py``: files in NETRAL_CACHE_DIR) can keep it across runs:
a changed knowledge base has another key and is trained again.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from bot.core.models import KnowledgeBase

# Changing the features or the model changes this, so that old stored models are not used.
FEATURE_VERSION: Final = "char2-5+word+pair/linearsvc-c1/v1"
CHAR_NGRAMS: Final = (2, 5)
SVM_C: Final = 1.0
TOPIC_PREFIX: Final = "~"

Arrays = dict[str, npt.NDArray[np.generic]]


def features(tokens: Sequence[str]) -> list[str]:
    """The feature names of a token list: char n-grams of each padded token, the tokens
    (``w:``) and neighbouring pairs (``b:``)."""
    out: list[str] = []
    low, high = CHAR_NGRAMS
    for token in tokens:
        padded = f" {token} "
        for n in range(low, high + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    out.extend(f"w:{t}" for t in tokens)
    out.extend(f"b:{a}_{b}" for a, b in itertools.pairwise(tokens))
    return out


@dataclass(frozen=True, slots=True)
class LearnedModel:
    """A trained model: class labels, feature vocabulary, IDF and weights."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float32]  # features x classes (rows gathered per question)
    intercept: npt.NDArray[np.float32]

    def scores(self, tokens: Sequence[str]) -> dict[str, float]:
        """Every class's decision value (an SVM margin, about -1.5 to 1.5) for the tokens."""
        counts = Counter(f for f in features(tokens) if f in self.vocabulary)
        if not counts:
            values = self.intercept
        else:
            index = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.int64)
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64)
            weights = tf * self.idf[index]
            weights /= float(np.linalg.norm(weights)) or 1.0
            values = weights.astype(np.float32) @ self.coef[index] + self.intercept
        return dict(zip(self.classes, (float(v) for v in values), strict=True))

    def to_arrays(self) -> Arrays:
        """The model as plain arrays (for ``np.savez``; no pickling). The vocabulary is one
        UTF-8 byte string of the feature names joined by newlines (no feature holds one): a
        fixed-width string array would take 8-16 MB more per model, in the file, in the
        pipe from a training child and in memory while it is read."""
        names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        joined = "\n".join(names)
        # Tokens are split on white space, so no name holds a newline; one that did would
        # be kept in a string array instead.
        if joined.count("\n") == max(len(names) - 1, 0):
            vocabulary = np.frombuffer(joined.encode(), dtype=np.uint8)
        else:
            vocabulary = np.array(names, dtype=np.str_)
        return {
            "classes": np.array(self.classes, dtype=np.str_),
            "vocabulary": vocabulary,
            "idf": self.idf,
            "coef": self.coef,
            "intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays: Arrays) -> LearnedModel:
        """The inverse of ``to_arrays``; raises ValueError on inconsistent arrays."""
        classes = tuple(str(c) for c in arrays["classes"].tolist())
        stored = arrays["vocabulary"]
        if stored.dtype == np.uint8:  # one byte string (see to_arrays)
            text = stored.tobytes().decode()
            names = text.split("\n") if text else []
        else:  # a string array, as models were stored before
            names = [str(v) for v in stored.tolist()]
        idf = np.asarray(arrays["idf"], dtype=np.float64)
        coef = np.ascontiguousarray(arrays["coef"], dtype=np.float32)
        intercept = np.asarray(arrays["intercept"], dtype=np.float32)
        if coef.shape != (len(names), len(classes)) or idf.shape != (len(names),):
            raise ValueError("stored model arrays do not fit together")
        if intercept.shape != (len(classes),):
            raise ValueError("stored model intercept does not fit its classes")
        return cls(classes, {n: i for i, n in enumerate(names)}, idf, coef, intercept)


def train(samples: Sequence[tuple[Sequence[str], str]], min_df: int = 1) -> LearnedModel:
    """Fit the model on (tokens, class) samples; deterministic for the same samples.
    ``min_df``: features seen in fewer samples are left out."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(
        analyzer=features, sublinear_tf=True, lowercase=False, min_df=min_df
    )
    matrix = vectorizer.fit_transform([list(tokens) for tokens, _ in samples])
    labels = [label for _, label in samples]
    svm = LinearSVC(C=SVM_C, random_state=0, max_iter=5000)
    svm.fit(matrix, labels)
    classes = tuple(str(c) for c in svm.classes_)
    coef = np.asarray(svm.coef_, dtype=np.float32)
    intercept = np.asarray(svm.intercept_, dtype=np.float32)
    if len(classes) == 2:  # a binary SVM has one row: the second class's side
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32)
    vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    return LearnedModel(
        classes,
        vocabulary,
        np.asarray(vectorizer.idf_, dtype=np.float64),
        np.ascontiguousarray(coef.T),
        intercept,
    )


def fingerprint(samples: Sequence[tuple[Sequence[str], str]]) -> str:
    """A hash of the training data and of the feature/model version."""
    return _digest(FEATURE_VERSION, ((" ".join(tokens), label) for tokens, label in samples))


def _digest(head: str, items: Iterable[tuple[str, str]]) -> str:
    """sha256 of ``head`` and each (text, label), label first, each part delimited."""
    digest = hashlib.sha256(head.encode())
    for text, label in items:
        digest.update(label.encode())
        digest.update(b"\x00")
        digest.update(text.encode())
        digest.update(b"\x01")
    return digest.hexdigest()


class ModelStore(Protocol):
    """Somewhere to keep trained models between runs (see bot/modelcache.py)."""

    def load(self, key: str) -> Arrays | None:
        """The arrays saved under ``key``, or None."""

    def save(self, key: str, arrays: Arrays) -> None:
        """Keep the arrays under ``key``; must not raise on I/O errors."""


_STORE: list[ModelStore] = []
# Trained models of this process by fingerprint (a few: tests build several bases).
_MODELS: dict[str, LearnedModel] = {}
_MODELS_LOCK: Final = threading.Lock()
_MAX_MODELS: Final = 8


Trainer = Callable[[Sequence[tuple[Sequence[str], str]], int], LearnedModel]
_TRAINER: list[Trainer] = []


def set_trainer(trainer: Trainer | None) -> None:
    """Train models with ``trainer`` from now on (None: ``train``, in this process)."""
    _TRAINER.clear()
    if trainer is not None:
        _TRAINER.append(trainer)


def set_store(store: ModelStore | None) -> None:
    """Use this store for every model trained or loaded from now on (None: memory only)."""
    _STORE.clear()
    if store is not None:
        _STORE.append(store)


def model_for(samples: Sequence[tuple[Sequence[str], str]]) -> LearnedModel | None:
    """The model for these samples: from this process, from the store, or trained now.

    None when there is nothing to learn (fewer than two classes).
    """
    return _cached(fingerprint(samples), lambda: samples)


def model_for_texts(
    texts: Sequence[tuple[str, str]],
    tokenize: Callable[[str], Sequence[str]],
    salt: str,
    min_df: int = 1,
) -> LearnedModel | None:
    """The model for labelled texts, keyed by the texts themselves and ``salt`` (what turns
    them into tokens: ``Normalizer.fingerprint``), so that a stored model is found without
    normalising thousands of texts first; they are tokenised only to train. ``min_df``:
    see ``train`` (part of the key when not 1)."""
    head = f"{FEATURE_VERSION}\x02{salt}" + (f"\x02min_df={min_df}" if min_df != 1 else "")
    key = "t" + _digest(head, texts)[1:]
    return _cached(key, lambda: samples_of(texts, tokenize), min_df)


def _cached(
    key: str, build: Callable[[], Sequence[tuple[Sequence[str], str]]], min_df: int = 1
) -> LearnedModel | None:
    """The model under ``key``: from this process, from the store, or trained on
    ``build()`` now (``min_df``: see ``train``); None when the samples hold fewer than two
    classes."""
    model = _MODELS.get(key)
    if model is not None:
        return model
    store = _STORE[0] if _STORE else None
    arrays = store.load(key) if store is not None else None
    if arrays is not None:
        try:
            model = LearnedModel.from_arrays(arrays)
        except (KeyError, ValueError):
            model = None
    if model is None:
        samples = build()
        if len({label for _, label in samples}) < 2:
            return None
        model = (_TRAINER[0] if _TRAINER else train)(samples, min_df)
        if store is not None:
            store.save(key, model.to_arrays())
    with _MODELS_LOCK:  # two models may be built side by side (``build_both``)
        if len(_MODELS) >= _MAX_MODELS:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = model
    return model


def build_both(
    first: Callable[[], LearnedModel | None], second: Callable[[], LearnedModel | None]
) -> tuple[LearnedModel | None, LearnedModel | None]:
    """``(first(), second())``: side by side when models train elsewhere (``set_trainer``:
    each in its own child process, so a first start trains both at once), one after the
    other when they would train in this process (no gain under the GIL, twice the
    memory)."""
    if not _TRAINER:
        return first(), second()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="learned") as pool:
        later = pool.submit(second)
        return first(), later.result()


def training_samples(
    kb: KnowledgeBase, tokenize: Callable[[str], Sequence[str]]
) -> list[tuple[tuple[str, ...], str]]:
    """(tokens, class) of ``training_texts(kb)``; texts without tokens are left out."""
    return samples_of(training_texts(kb), tokenize)


def samples_of(
    texts: Sequence[tuple[str, str]], tokenize: Callable[[str], Sequence[str]]
) -> list[tuple[tuple[str, ...], str]]:
    """(tokens, class) of each (text, class); texts without tokens are left out."""
    out = []
    for text, label in texts:
        tokens = tuple(dict.fromkeys(tokenize(text)))
        if tokens:
            out.append((tokens, label))
    return out


def training_texts(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(text, class) for every phrasing, keyword and title of the entries, every example
    question and title of the out-of-scope topics and every labelled example of
    ``knowledge/contoh.yaml``."""
    texts: list[tuple[str, str]] = [
        (text, e.id) for e in kb.entries for text in (*e.questions, *e.keywords, e.title)
    ]
    texts += [
        (text, f"{TOPIC_PREFIX}{t.id}") for t in kb.offtopics for text in (*t.questions, t.title)
    ]
    topics = {t.id for t in kb.offtopics}
    texts += [
        (x.question, f"{TOPIC_PREFIX}{x.target}" if x.target in topics else x.target)
        for x in kb.examples
    ]
    return texts
