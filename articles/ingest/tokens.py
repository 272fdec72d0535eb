"""Word tokens with their positions, for matching place names in running text."""

import functools
import re
import unicodedata
from typing import NamedTuple

# Dotted abbreviations (U.S., N.Y.), words with inner apostrophes (d'Ivoire), and hyphens
# as tokens of their own so that "Guinea-Bissau" is one name and "Pakistan-India" two.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*|-")
_POSSESSIVE_ENDINGS = ("'s", "'S", "’s", "’S")


class Token(NamedTuple):
    """A word and where it sits. A named tuple: a release of 2 MB has some 350,000 of them."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word.endswith(_POSSESSIVE_ENDINGS):
            word = word[:-2]
        if word:
            start = match.start()
            tokens.append(_new_token((word, start, start + len(word))))
    return tokens


# Token(...) goes through a Python-level __new__; this is the same tuple, made in C (a call per word).
_new_token = functools.partial(tuple.__new__, Token)


def name_key(name: str) -> tuple[str, ...]:
    """A place name as the gazetteer looks it up: its folded tokens."""
    return tuple(fold(token.text) for token in tokenize(name))


# Words longer than this are folded without the cache: no place name is that long, and a
# cache of 100,000 words must not keep hostile words of megabytes alive.
_LONGEST_CACHED_WORD = 64


def folded(tokens: list[Token]) -> list[str]:
    """Each token's folded word: `fold` inlined, as this runs for every word of every release."""
    return [
        _cached_fold(token.text) if len(token.text) <= _LONGEST_CACHED_WORD else _fold(token.text)
        for token in tokens
    ]


def fold(word: str) -> str:
    """Lowercase without accents or curly quotes: the key a name is looked up by."""
    return _cached_fold(word) if len(word) <= _LONGEST_CACHED_WORD else _fold(word)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return "".join(character for character in decomposed if not unicodedata.combining(character)).lower()


_cached_fold = functools.lru_cache(maxsize=100_000)(
    _fold
)  # running text repeats its words; folding is the hot spot
