"""The words a document is indexed under, in one pass over its text.

Whoosh analyses a text through five generators (tokenizer, lowercase, accents, stop words,
stemmer), handing one token object from each to the next: about two thirds of the time a
rebuild spends. `indexed_words` does the same steps a list at a time, and gives exactly the
words `words_analyzer` gives (tests/test_analysis.py holds the two to each other on any text),
so what is written to the index is the same and queries, which go through Whoosh's analyzer,
find it. The words go to the writer as a list, which Whoosh indexes as given, position by
position.
"""

import re

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

# No word is longer (German's longest compounds have about 60 letters); a longer run of letters is
# debris or hostile, and is neither indexed nor kept in the stemmer's cache of every process.
MAX_WORD_CHARACTERS = 100
# Whoosh's RegexTokenizer's default expression, without its capturing group.
_WORD = re.compile(r"\w+(?:\.?\w+)*")
# StopFilter's defaults: words shorter than two characters are dropped with the stop words.
_SHORTEST_WORD = 2
# Stems of the words seen lately: a language's words repeat, so most lookups are found. Emptied
# when full, since hostile text can make any number of distinct words.
_STEMS_KEPT = 200_000
_stems: dict[str, str] = {}


def indexed_words(text: str) -> list[str]:
    """The text's words as `words_analyzer` indexes them: lowercase, unaccented, stemmed, stop words out."""
    found = _WORD.findall(text)
    if not found:
        return []
    # Lowercasing and unaccenting the words joined by spaces is lowercasing each: neither step
    # makes or removes a space, and a space ends a word for the final sigma rule as the end of
    # the text does.
    folded = " ".join(found).lower().translate(accent_map).split(" ")
    kept = [
        word
        for word in folded
        if _SHORTEST_WORD <= len(word) <= MAX_WORD_CHARACTERS and word not in STOP_WORDS
    ]
    if len(_stems) > _STEMS_KEPT:
        _stems.clear()
    stems = _stems
    return [stems.get(word) or stems.setdefault(word, stem(word)) for word in kept]


def word_pairs(words: list[str]) -> list[str]:
    """Neighbouring words as one term each, as `PairsFilter` makes them ("bilater trade");
    a text of one word is that word."""
    if len(words) < 2:
        return list(words)
    return [f"{first} {second}" for first, second in zip(words, words[1:], strict=False)]
