"""Text normalisation for Indonesian chat questions.

The pipeline, in order (each step has its own unit test):

1. Unicode NFKC and lower case; @mentions and URLs dropped.
2. Reduplication folded: ``foto2`` and ``foto-foto`` become ``foto``, ``ikut2an`` ``ikutan``.
3. Informal prefixes joined by a hyphen are glued (``nge-like`` -> ``ngelike``);
   any other punctuation, emoji and symbols become spaces.
4. Letters repeated three or more times are collapsed (``bolehhh`` -> ``boleh``).
5. Small numbers become words (``2`` / ``02`` -> ``dua``) so that "pose 2 jari" and
   "pose dua jari" meet; other numbers stay as they are.
6. The colloquial prefix ``nge``/``ng`` before a longer word is dropped (``ngeshare`` -> ``share``).
7. Synonyms from the lexicon replace informal spellings, longest phrase first.
8. Stop words are removed.
9. Words are stemmed (``berkampanye`` -> ``kampanye``) unless protected, short, or already
   canonical synonym targets.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property, lru_cache
from typing import Final

from bot.core.models import Lexicon

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_REDUP_DIGIT = re.compile(r"\b([a-z]{2,})2\b")
# "ikut2an" is "ikut-ikutan": the digit marks reduplication inside the word.
_REDUP_INNER = re.compile(r"\b([a-z]{2,})2([a-z]+)\b")
_REDUP_HYPHEN = re.compile(r"\b([a-z]+)-\1\b")
# Informal or affix prefixes that people attach with a hyphen: "nge-like", "di-share", "e-ktp".
_HYPHEN_PREFIX = re.compile(r"\b(e|nge|ng|di|ke|se|me|ber|ter|pe|pen|men|mem|meng)-(?=[a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"(?<=[a-z])([a-z])\1{2,}")  # not at word start: "pppk"
# A number glued to a money unit ("100rb", "2jt", "50k") is split so the unit can be read.
_MONEY = re.compile(r"\b(\d+)(rb|ribu|k|jt|juta)\b")
_NGE = re.compile(r"^nge(?=[a-z]{4,}$)")
# Unicode category Cf (format characters) in the Basic Multilingual Plane and the tags.
_FORMAT_CHARS = re.compile(
    "[" + "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf") + "]"
    "|[\U000e0001-\U000e007f]"
)

_NUMBER_WORDS = {
    1: "satu",
    2: "dua",
    3: "tiga",
    4: "empat",
    5: "lima",
    6: "enam",
    7: "tujuh",
    8: "delapan",
    9: "sembilan",
}

# Longest synonym phrase considered, in words: bounds the greedy scan.
_MAX_PHRASE_WORDS = 6


@lru_cache(maxsize=16384)
def basic_clean(text: str) -> str:
    """Steps 1-4: lower-case text with only letters, digits and single spaces.

    Cached: the loader and the matcher clean every phrasing more than once.
    """
    # Format characters (zero-width space and joiners, word joiner, soft hyphen, bidi
    # controls) are invisible: pasted inside a word they must not split it.
    text = _FORMAT_CHARS.sub("", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REDUP_DIGIT.sub(r"\1", text)
    text = _REDUP_INNER.sub(r"\1\2", text)
    text = _REDUP_HYPHEN.sub(r"\1", text)
    text = _HYPHEN_PREFIX.sub(r"\1", text)
    # Accented Latin letters lose their marks; everything else that is not a letter or digit
    # (emoji, punctuation, symbols) becomes a space.
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _NON_WORD.sub(" ", text)
    text = _MONEY.sub(r"\1 \2", text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


def number_word(token: str) -> str:
    """Step 5: '2' or '02' -> 'dua'; any other token unchanged."""
    if token.isdigit() and len(token) <= 2:
        value = int(token)
        return _NUMBER_WORDS.get(value, token)
    return token


# Process-wide cache of Sastrawi stems, shared by every Normalizer (the loader's and the
# engine's stem the same words). ``bot/stemcache.py`` fills it from disk at start-up and
# saves it at exit, so a restart does not stem the knowledge base's words again. Only
# words stemmed while the knowledge base is read (``knowledge_words()``) go into it: the
# words of users' questions (names, places) go into a bounded cache that is never saved.
_STEMS: dict[str, str] = {}
_QUESTION_STEMS: OrderedDict[str, str] = OrderedDict()
QUESTION_STEMS_MAX = 20_000
_QUESTION_LOCK = threading.Lock()
_learning = 0


def stem_cache() -> dict[str, str]:
    """The process-wide cache of knowledge-base stems (word -> Sastrawi stem)."""
    return _STEMS


def question_stem_cache() -> OrderedDict[str, str]:
    """The bounded, never-saved cache of other words' stems (least recently used first)."""
    return _QUESTION_STEMS


@contextmanager
def knowledge_words() -> Iterator[None]:
    """Within this block, stems are knowledge-base words: kept in ``stem_cache()``."""
    global _learning
    _learning += 1
    try:
        yield
    finally:
        _learning -= 1


@lru_cache(maxsize=1)
def _sastrawi() -> tuple[Callable[[str], str], Callable[[str], bool]]:
    """Sastrawi's stemmer behind the process-wide caches, and its root-word dictionary
    lookup; built once per process."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer()
    dictionary = stemmer.delegatedStemmer.dictionary
    # The uncached stemmer: Sastrawi's own cache would grow without bound.
    raw = stemmer.delegatedStemmer.stem

    def stem(word: str) -> str:
        cached = _STEMS.get(word)
        if cached is not None:
            return cached
        if _learning:
            cached = _STEMS[word] = str(raw(word))
            return cached
        with _QUESTION_LOCK:  # questions are matched in worker threads
            cached = _QUESTION_STEMS.get(word)
            if cached is not None:
                _QUESTION_STEMS.move_to_end(word)
                return cached
        cached = str(raw(word))
        with _QUESTION_LOCK:
            _QUESTION_STEMS[word] = cached
            while len(_QUESTION_STEMS) > QUESTION_STEMS_MAX:
                _QUESTION_STEMS.popitem(last=False)
        return cached

    return stem, dictionary.contains


# Raise this whenever a rule of this module changes what ``Normalizer.tokens`` returns:
# models learned from tokens (bot/core/learned.py) are stored under ``fingerprint``.
NORMALIZE_VERSION: Final = "3"


class Normalizer:
    """Turns a question into the list of meaningful, canonical word stems."""

    def __init__(self, lexicon: Lexicon, stemmer: Callable[[str], str] | None = None) -> None:
        self._lexicon = lexicon
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        targets: set[str] = set()
        for variant, canonical in lexicon.synonyms.items():
            key = tuple(basic_clean(variant).split())
            value = tuple(basic_clean(canonical).split())
            if key and key != value:
                self._phrases[key] = value
            targets.update(value)
        # A place name is replaced by nothing: it says where the asker works, never what
        # they ask, and stemmed it can turn into a word that does ("lamongan" -> "larang").
        place_words: set[str] = set()
        for place in lexicon.places:
            key = tuple(basic_clean(place).split())
            if key and key not in self._phrases:
                self._phrases[key] = ()
                place_words.update(key)
        self._place_words = frozenset(place_words)
        self._single = {k[0]: v[0] for k, v in self._phrases.items() if len(k) == len(v) == 1}
        self._longest = min(_MAX_PHRASE_WORDS, max((len(k) for k in self._phrases), default=1))
        # Canonical words are already in their dictionary form: stemming them again could
        # only damage them (e.g. "pemilu" -> "milu").
        self._keep = frozenset(targets) | lexicon.protected
        self._stopwords = lexicon.stopwords
        in_dictionary: Callable[[str], bool] = lambda _word: False  # noqa: E731
        self._stemmer_name = (
            "sastrawi"
            if stemmer is None
            else getattr(stemmer, "__qualname__", type(stemmer).__qualname__)
        )
        if stemmer is None:
            stemmer, in_dictionary = _sastrawi()  # already cached
        else:
            stemmer = lru_cache(maxsize=65536)(stemmer)
        self._in_dictionary = in_dictionary
        self._stem = stemmer

    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything that decides the tokens: the rules' version, the stemmer and
        the lexicon's synonyms, stop words, protected words and places."""
        lexicon = self._lexicon
        digest = hashlib.sha256(f"{NORMALIZE_VERSION}\x00{self._stemmer_name}".encode())
        for part in (
            sorted(lexicon.synonyms.items()),
            sorted(lexicon.stopwords),
            sorted(lexicon.protected),
            sorted(lexicon.places),
        ):
            digest.update(repr(part).encode())
            digest.update(b"\x01")
        return digest.hexdigest()

    def raw_words(self, text: str) -> list[str]:
        """Steps 1-6: cleaned words before synonyms."""
        return [_NGE.sub("", number_word(t)) for t in basic_clean(text).split()]

    def words(self, text: str, correct: Callable[[str], str] | None = None) -> list[str]:
        """Steps 1-7: cleaned words with synonyms applied, stop words still present.

        ``correct`` (the matcher's typo correction) sees each word before the synonyms, so
        that a misspelt "pegawai negri" still becomes "asn".
        """
        tokens = self.raw_words(text)
        if correct is not None:
            tokens = [correct(t) for t in tokens]
        return self._apply_synonyms(tokens)

    def is_real_word(self, word: str) -> bool:
        """True for a dictionary word or a regular derivation of one ("melahirkan"): such a
        word is never "corrected" into a similar-looking one ("melaporkan")."""
        if self._in_dictionary(word):
            return True
        # A derivation counts when it leads to a real root of some length: Sastrawi also
        # strips "affixes" off misspellings and leaves a scrap ("pemengan" -> "kan").
        stem = self._stem(word)
        return stem != word and len(stem) >= 4 and self._in_dictionary(stem)

    def is_stopword(self, word: str) -> bool:
        """True for words that carry no meaning in a question."""
        return word in self._stopwords

    def lexicon_words(self) -> set[str]:
        """Every word the lexicon knows: variants, canonical forms, stop words and protected
        words (typo correction never changes a known word into another). Not the words of
        place names: a misspelt word must not become a place ("karyawan" -> "karawang")."""
        words = set(self._stopwords) | self._lexicon.protected
        for key, value in self._phrases.items():
            if value:
                words.update(key)
                words.update(value)
        return words

    def is_place_word(self, word: str) -> bool:
        """True for a word of a place name (``tempat``): typo correction leaves it alone."""
        return word in self._place_words

    def tokens(self, text: str) -> list[str]:
        """The full pipeline: meaningful stems in their original order (duplicates kept)."""
        return [self.stem(t) for t in self.words(text) if t not in self._stopwords]

    def stem(self, token: str) -> str:
        """Step 9 for one word; a stem that is itself a one-word synonym variant becomes its
        canonical word ("konsekuensinya" -> "konsekuensi" -> "sanksi")."""
        if token in self._keep or len(token) <= 3 or not token.isalpha():
            return token
        stemmed = self._stem(token) or token
        if stemmed != token:
            return self._single.get(stemmed, stemmed)
        return stemmed

    def key(self, text: str) -> str:
        """A canonical string for duplicate detection: the tokens joined by spaces."""
        return " ".join(self.tokens(text))

    def _apply_synonyms(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._longest, len(tokens) - i), 0, -1):
                replacement = self._phrases.get(tuple(tokens[i : i + size]))
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


def unique(tokens: Iterable[str]) -> list[str]:
    """Tokens without repeats, first occurrence kept."""
    return list(dict.fromkeys(tokens))
