"""Plain data types of the knowledge base, shared by the loader, matcher and renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

VERDICTS: Final = ("dilarang", "boleh", "bersyarat", "info")

# What a pressed reply button means, from the rendered Button to the query log's events
# table (whose CHECK constraint spells the same values): the one definition.
EventKind = Literal["button", "feedback_up", "feedback_down", "suggestion_pick", "related"]

# Who may be asking: the keys of an entry's ``by_status``, in the order the card lists them.
STATUSES: Final = ("pns", "cpns", "pppk", "pejabat", "honorer")
STATUS_LABELS: Final = {
    "pns": "PNS",
    "cpns": "CPNS",
    "pppk": "PPPK",
    "pejabat": "Pejabat",
    "honorer": "Honorer/non-ASN",
}


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
class Source:
    """Where an entry's legal content comes from: a regulation, or a public page.

    A regulation has ``regulation`` only; a page has ``title`` and usually ``publisher``
    and ``url`` (for points taken from reporting rather than the official text).
    """

    regulation: str | None = None
    title: str | None = None
    publisher: str | None = None
    url: str | None = None

    def label(self) -> str:
        """'PP 94/2021 tentang Disiplin PNS' or 'FAQ ... (BKN Kantor Regional VI Medan)'."""
        if self.regulation:
            return self.regulation
        name = self.title or self.url or ""
        return f"{name} ({self.publisher})" if self.publisher else name


@dataclass(frozen=True, slots=True)
class StatusNote:
    """How an entry's rule or sanction differs for one kind of asker (PPPK, CPNS, ...)."""

    note: str
    verdict: str | None = None  # only when the verdict itself differs for this status
    sanction: str | None = None


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
    # the condition of a bersyarat verdict, shown on the verdict line
    verdict_note: str | None = None
    # (status, note) pairs in STATUSES order, for the askers the rule treats differently
    by_status: tuple[tuple[str, StatusNote], ...] = ()
    sources: tuple[Source, ...] = ()
    reviewed: date | None = None  # when the legal content was last checked

    @property
    def canonical_question(self) -> str:
        """The first phrasing, used on suggestion buttons and lists."""
        return self.questions[0]

    def for_status(self, status: str | None) -> StatusNote | None:
        """The note for this kind of asker, or None when the general rule applies."""
        return next((n for s, n in self.by_status if s == status), None)


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
    # keywords of dilarang entries that name a person, place, occasion or thing rather than
    # an act ("camat", "alun-alun", "pernikahan"): never act cues (bot/core/safety.py)
    not_acts: frozenset[str] = frozenset()
    # place names (regencies, cities, provinces; phrases allowed): dropped from questions,
    # so that "Kab. Lamongan" never stems into "larang" nor "Kediri" into "diri"
    places: frozenset[str] = frozenset()


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
class Example:
    """A real question labelled with the entry or out-of-scope topic it is about.

    Examples (``knowledge/contoh.yaml``) only teach the learned ranker: they are not
    phrasings, so they never answer a question by themselves.
    """

    question: str
    target: str  # an entry id or an out-of-scope topic id


def example_key(question: str) -> str:
    """What makes two example questions the same: case and spacing ignored."""
    return " ".join(question.split()).lower()


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All entries, their categories and the lexicon, as loaded and validated."""

    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]
    lexicon: Lexicon
    offtopics: tuple[OffTopic, ...] = ()
    examples: tuple[Example, ...] = ()
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    @property
    def reviewed(self) -> date | None:
        """The oldest ``reviewed`` date: every entry was checked on or after it."""
        dates = [e.reviewed for e in self.entries if e.reviewed is not None]
        return min(dates) if dates else None

    @property
    def phrasing_count(self) -> int:
        """How many phrasings the entries hold in all."""
        return sum(len(e.questions) for e in self.entries)
