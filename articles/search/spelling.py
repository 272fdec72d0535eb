""" "Did you mean ...?": a corrected query made of the index's own words, when a search finds little.

A word is corrected only when the index does not know it and it is not a place name (the
country gazetteer knows Bishkek, Kyrgyzstan and Jammu, found in the index or not). The
suggestion comes from the body field's terms, which are stems, and is shown as a word that a
release containing that stem really uses.
"""

import functools
import re

from whoosh.support.levenshtein import damerau_levenshtein

from ..ingest.gazetteer import gazetteer
from ..ingest.tokens import fold
from ..models import Article
from .query import OPERATORS
from .snippets import indexed_form

# Plain words of 3 to 20 letters (longer ones are not typing slips): not field:word, not numbers.
_WORD = re.compile(r"(?<![\w:])([^\W\d_]{3,20})(?![\w:])")
CANDIDATES, STEM_DISTANCE, WORD_DISTANCE = 5, 4, 2


def corrected_text(text: str, held) -> str | None:
    """The query with its unknown words replaced by the nearest known ones, or None."""
    reader = held.searcher.reader()
    corrector = reader.corrector("body")

    def correction(match):
        word = match.group(1)
        form = indexed_form(word.lower())
        if word in OPERATORS or form is None or fold(word) in place_words():
            return word
        if ("body", form) in reader or ("title", form) in reader:
            return word
        # Stems are shorter than words ("educ" for "education"), so look wider among the
        # stems, then compare the words they stand for with the word typed.
        candidates = corrector.suggest(form, limit=CANDIDATES, maxdist=STEM_DISTANCE, prefix=2)
        words = [surface for stem in candidates if (surface := _surface_word(held, stem))]
        close = [(damerau_levenshtein(word.lower(), surface), surface) for surface in words]
        best = min(close, default=None)
        return best[1] if best and best[0] <= WORD_DISTANCE else word

    corrected = _WORD.sub(correction, text)
    return corrected if corrected != text else None


@functools.cache
def place_words() -> frozenset[str]:
    return frozenset(token for key in gazetteer() for token in key)


def _surface_word(held, stem: str) -> str | None:
    """A word that a release containing `stem` uses for it."""
    ids, _ = held.arrays().postings("body", stem)
    if not len(ids):
        return None
    article_id = int(held.searcher.stored_fields(int(ids[0]))["id"])
    body = Article.objects.filter(pk=article_id).values_list("body", flat=True).first() or ""
    for word in _WORD.findall(body):
        if indexed_form(word.lower()) == stem:
            return word.lower()
    return None
