"""Greetings, thanks and acknowledgements: messages that are not questions.

A message made only of small-talk phrases (the lexicon's ``sapaan`` section), their filler
words and stop words ("halo min", "makasih banyak ya kak 🙏", "ok siap") gets a friendly
reply instead of "I cannot answer that", and is not logged as an unanswered question. As
soon as a message carries any other word ("halo min, pns boleh kampanye?") it is a question
and goes to the matcher.
"""

from __future__ import annotations

from typing import Final

from bot.core.models import Lexicon
from bot.core.normalize import Normalizer

# The kinds the lexicon may list, strongest first: "ok makasih" is thanks, "halo, siap" is ok.
SMALLTALK_KINDS: Final = ("terima_kasih", "oke", "salam")

# Words that may accompany small talk but are none on their own: "makasih *infonya*",
# "selamat *pagi* *semua*".
SMALLTALK_FILLER: Final = "pengisi"

# Longest small-talk phrase considered, in words.
_MAX_WORDS: Final = 4


class SmallTalk:
    """Recognises messages that are only a greeting, thanks or acknowledgement."""

    def __init__(self, lexicon: Lexicon, normalizer: Normalizer) -> None:
        self._normalizer = normalizer
        self._phrases: dict[tuple[str, ...], str] = {}
        for kind, phrases in lexicon.smalltalk.items():
            for phrase in phrases:
                key = tuple(normalizer.raw_words(phrase))
                if key:
                    self._phrases[key] = kind
        self._longest = min(_MAX_WORDS, max((len(k) for k in self._phrases), default=1))

    def kind(self, message: str) -> str | None:
        """The small-talk kind of the whole message, or None when it says anything else."""
        words = self._normalizer.raw_words(message)
        found: set[str] = set()
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                kind = self._phrases.get(tuple(words[i : i + size]))
                if kind is not None:
                    if kind != SMALLTALK_FILLER:
                        found.add(kind)
                    i += size
                    break
            else:
                if not self._normalizer.is_stopword(words[i]):
                    return None
                i += 1
        return next((k for k in SMALLTALK_KINDS if k in found), None)
