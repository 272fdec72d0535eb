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
    """The words of the text, in order, with where each sits.

    The words are found by `findall` and placed by `str.find`, both at C speed: a match object and a
    named tuple's Python constructor per word were most of the time of finding a release's countries.
    Each word is found from the end of the one before, and is where the pattern next matches: between
    two matches there is no letter and no hyphen (either would start a match).
    """
    tokens = []
    append, find, new = tokens.append, text.find, tuple.__new__
    end = 0
    for word in _TOKEN.findall(text):
        start = find(word, end)
        end = start + len(word)
        if word.endswith(_POSSESSIVE_ENDINGS):
            word = word[:-2]
        if word:
            append(new(Token, (word, start, start + len(word))))
    return tokens


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
