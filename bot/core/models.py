"""Plain data types of the knowledge base, shared by the loader, matcher and renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

VERDICTS: Final = ("dilarang", "boleh", "bersyarat", "info")


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """One regulation (and optionally its article and a short quote) behind an answer."""

    regulation: str
    article: str | None = None
    quote: str | None = None

    def citation(self) -> str:
        """The regulation with its article, e.g. 'PP 94/2021 tentang Disiplin PNS, Pasal 5'."""
        return f"{self.regulation}, {self.article}" if self.article else self.regulation


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry: a question family with its verdict, answer and legal basis."""

    id: str
    title: str
    category: str
    verdict: str
    questions: tuple[str, ...]
    answer: str
    keywords: tuple[str, ...] = ()
    legal_basis: tuple[LegalBasis, ...] = ()
    sanction: str | None = None
    related: tuple[str, ...] = ()

    @property
    def canonical_question(self) -> str:
        """The first phrasing, used on suggestion buttons and lists."""
        return self.questions[0]


@dataclass(frozen=True, slots=True)
class Category:
    """A group of entries, one YAML file in knowledge/."""

    id: str
    title: str
    entry_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Language data admins keep in knowledge/sinonim.yaml."""

    # variant phrase (already lower-case, space separated) -> canonical phrase
    synonyms: dict[str, str] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    # words the stemmer must leave as they are
    protected: frozenset[str] = frozenset()
    # words that mark a question as outside the bot's subject (salary, recruitment, ...):
    # they weigh heavily against every entry unless the entries themselves use them
    offtopic: frozenset[str] = frozenset()
    # small-talk kind (salam, terima_kasih, oke) -> the phrases that say it ("makasih")
    smalltalk: dict[str, frozenset[str]] = field(default_factory=dict)
    # dilarang entry id -> single words that name its act on their own ("kampanye"), on top
    # of the entry's keywords (see bot/core/safety.py)
    forbidden_acts: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OffTopic:
    """A subject the bot does not answer (salary, voter lists, ...), with example questions.

    A question closer to one of these than to any entry is declined, with ``referral``
    saying where to ask instead.
    """

    id: str
    title: str
    referral: str
    questions: tuple[str, ...]
    # words that take a question out of this topic: "pns dukung paslon bisa dipecat?" is
    # not a non-political discipline question, whatever else it shares with one
    unless: tuple[str, ...] = ()
    # who the question is about, when that alone puts it out of scope ("mahasiswa boleh ikut
    # kampanye?"): a question that opens with one of these (after "saya", "kalau", ...)
    # and has none of the ``unless`` words is declined by this topic
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All entries, their categories and the lexicon, as loaded and validated."""

    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]
    lexicon: Lexicon
    offtopics: tuple[OffTopic, ...] = ()
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    @property
    def phrasing_count(self) -> int:
        """How many phrasings the entries hold in all."""
        return sum(len(e.questions) for e in self.entries)
