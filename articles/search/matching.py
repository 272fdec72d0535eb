"""Which documents a parsed query matches, and how well: a mask and BM25 scores over the index's arrays.

This evaluates Pressroom's query tree (query_tree.py: terms, phrases, AND, OR, NOT) with
whole-array operations instead of Whoosh's matchers, which visit one document at a time.
Scores follow Whoosh's BM25F (same idf, B and K1), so ranking is what Whoosh would give.
A node it does not know is an error, never a silent, unscored guess.
"""

import numpy as np

from . import whoosh_codec
from .arrays import IndexArrays
from .query_tree import And, Everything, Node, Not, Nothing, Or, Phrase, Term

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
PAIRS_FIELD = "pairs"


def match(query: Node, arrays: IndexArrays) -> tuple[np.ndarray, np.ndarray]:
    """(mask of live matching documents, their scores) for a query tree."""
    matched, scores = _evaluate(query, arrays)
    return matched & arrays.live, scores


def _evaluate(node: Node, arrays: IndexArrays) -> tuple[np.ndarray, np.ndarray]:
    match node:
        case Term(field, text, boost):
            return _term(field, text, arrays, boost)
        case Phrase():
            return _phrase(node, arrays)
        case And(parts):
            return _combined([_evaluate(part, arrays) for part in parts], np.logical_and, arrays)
        case Or(parts):
            return _combined([_evaluate(part, arrays) for part in parts], np.logical_or, arrays)
        case Not(part):
            matched, _ = _evaluate(part, arrays)
            return ~matched, _zeros(arrays)
        case Everything():
            return np.ones(arrays.size, dtype=bool), _zeros(arrays)
        case Nothing():
            return np.zeros(arrays.size, dtype=bool), _zeros(arrays)
    raise NotImplementedError(f"the search engine cannot evaluate a {type(node).__name__} query: {node!r}")


def _term(field: str, text, arrays: IndexArrays, boost: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    ids, weights = arrays.postings(field, text)
    matched = _mask(ids, arrays)
    scores = _zeros(arrays)
    if field in arrays.lengths and len(ids):
        idf = whoosh_codec.idf(arrays.searcher, field, text)  # Whoosh's statistics, for Whoosh's ranking
        norm = _length_norms(field, arrays)[ids]
        scores[ids] = (
            boost * idf * (weights * (K1 + 1)) / (weights + norm)
        )  # a term's postings name each document once
    return matched, scores


def _mask(ids: np.ndarray, arrays: IndexArrays) -> np.ndarray:
    matched = np.zeros(arrays.size, dtype=bool)
    matched[ids] = True
    return matched


def _length_norms(field: str, arrays: IndexArrays) -> np.ndarray:
    """BM25's length normalisation of each document's field, once per version of the index."""
    return arrays.version.derived(
        ("length norms", field),
        lambda: K1 * ((1 - B) + B * arrays.lengths[field] / arrays.average_length[field]),
    )


def _phrase(phrase: Phrase, arrays: IndexArrays) -> tuple[np.ndarray, np.ndarray]:
    """Documents with the phrase's words in order in the field, scored by its words.

    The pairs field (every two neighbouring words of title and body as one term) narrows
    the candidates cheaply, but cannot say in which field a pair was, nor whether three
    words are one run ("bilateral trade ... trade talks" has both pairs of "bilateral trade
    talks"), so the candidates left are checked against the field's positions, unless a
    pair of two words can only be where it is looked for.

    The candidates are worked out as document numbers, the rarest word or pair's first, not as
    masks of the whole index: at a million releases a mask and the scores of every word
    (5 MB each) cost more than the phrase's few thousand candidates do.
    """
    words = list(phrase.words)
    if not words:
        return np.zeros(arrays.size, dtype=bool), _zeros(arrays)
    postings = [arrays.postings(phrase.field, word) for word in words]
    narrowing = [(ids, number) for number, (ids, _) in enumerate(postings)]
    if phrase.slop == 1:  # a phrase with a slop may have other words between its own
        narrowing += [
            (arrays.postings(PAIRS_FIELD, f"{first} {second}")[0], None)
            for first, second in zip(words, words[1:], strict=False)
        ]
    narrowing.sort(key=lambda each: len(each[0]))
    candidates = _Candidates(*narrowing[0], arrays.size)
    for ids, number in narrowing[1:]:
        candidates.narrow(ids, number)
    candidates.keep(arrays.live[candidates.documents])
    if len(words) > 1 and len(candidates.documents):
        documents = candidates.documents
        unsure = (
            _pair_may_lie_elsewhere(phrase.field, words, documents, arrays)
            if len(words) == 2 and phrase.slop == 1
            else np.ones(len(documents), dtype=bool)
        )
        if unsure.any():
            found = _in_order(phrase.field, words, phrase.slop, _mask(documents[unsure], arrays), arrays)
            candidates.keep(~unsure | found[documents])
    return _mask(candidates.documents, arrays), _scores(candidates, phrase, postings, arrays)


class _Candidates:
    """A phrase's candidates (ascending document numbers), and where each is in the postings of
    every word looked up so far, kept as they are narrowed: scoring them needs no second look-up."""

    def __init__(self, documents: np.ndarray, word: int | None, size: int):
        self.documents = documents
        self.places = {} if word is None else {word: np.arange(len(documents))}
        self._size = size

    def narrow(self, ids: np.ndarray, word: int | None) -> None:
        """Keep the candidates among `ids` (ascending), the postings of word number `word`, if one."""
        places = _places(ids, self.documents, self._size)
        found = places >= 0
        self.keep(found)
        if word is not None:
            self.places[word] = places[found]

    def keep(self, chosen: np.ndarray) -> None:
        self.documents = self.documents[chosen]
        self.places = {word: places[chosen] for word, places in self.places.items()}


def _places(ids: np.ndarray, documents: np.ndarray, size: int) -> np.ndarray:
    """Where each of the documents is in `ids` (both ascending document numbers), -1 if it is not."""
    if not len(ids) or not len(documents):
        return np.full(len(documents), -1)
    if 8 * len(documents) > len(ids):  # many: one pass over `ids` beats a binary search for each
        index = np.full(size, -1, dtype=np.int32)
        index[ids] = np.arange(len(ids), dtype=np.int32)
        return index[documents]
    places = np.minimum(np.searchsorted(ids, documents), len(ids) - 1)
    return np.where(ids[places] == documents, places, -1)


def _scores(candidates: _Candidates, phrase: Phrase, postings, arrays: IndexArrays) -> np.ndarray:
    """The phrase's score in each of its matches: its words' BM25 scores added up in order, as
    `_term` and `_combined` would, and 0 elsewhere."""
    scores = _zeros(arrays)
    documents = candidates.documents
    if phrase.field not in arrays.lengths or not len(documents):
        return scores
    norm = _length_norms(phrase.field, arrays)[documents]
    total = None
    for number, (word, (_, weights)) in enumerate(zip(phrase.words, postings, strict=True)):
        idf = whoosh_codec.idf(arrays.searcher, phrase.field, word)
        found = weights[candidates.places[number]]
        part = phrase.boost * idf * (found * (K1 + 1)) / (found + norm)
        total = part if total is None else total + part
    scores[documents] = total
    return scores


def _pair_may_lie_elsewhere(
    field: str, words: list[str], candidates: np.ndarray, arrays: IndexArrays
) -> np.ndarray:
    """Of the candidates, those where a pair of words, found in the pairs field, may be other than in `field`.

    The pairs field reads the title, then the body: a pair is in the title, in the body,
    or astride the title's end. It can be in the title or astride its end only if its first
    word is in the title; in the body or astride the title's end only if its second word
    is in the body. Reading positions, the costly part of a phrase, is left for those.
    """
    if field == "body":
        return _places(arrays.postings("title", words[0])[0], candidates, arrays.size) >= 0
    if field == "title":
        return _places(arrays.postings("body", words[1])[0], candidates, arrays.size) >= 0
    return np.ones(len(candidates), dtype=bool)


def _in_order(
    field: str, words: list[str], slop: int, candidates: np.ndarray, arrays: IndexArrays
) -> np.ndarray:
    """The candidates where each word follows the one before within `slop` positions.

    This is how Whoosh's SpanNear2 matches.
    """
    ends = arrays.positions(field, words[0], candidates)  # where a run of the words so far ends
    for word in words[1:]:
        if not len(ends):  # no run of the words so far: none of the longer one either
            break
        following = arrays.positions(field, word, candidates)
        nearest = np.searchsorted(ends, following) - 1  # the last end before each position
        before = ends[np.maximum(nearest, 0)]
        # Keys are (document << 32 | position): the same document, and near enough.
        ends = following[(nearest >= 0) & (following >> 32 == before >> 32) & (following - before <= slop)]
    found = np.zeros(arrays.size, dtype=bool)
    found[ends >> 32] = True
    return found


def _combined(parts, combine, arrays: IndexArrays) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(arrays.size, dtype=bool), _zeros(arrays)
    # Every part's arrays are made for this search (those shared by searches are read-only),
    # so the first part's take the rest in place: at a million documents a copy costs 5 MB.
    matched, scores = parts[0]
    for part_matched, part_scores in parts[1:]:
        combine(matched, part_matched, out=matched)
        scores += part_scores
    return matched, scores


def _zeros(arrays: IndexArrays) -> np.ndarray:
    return np.zeros(arrays.size, dtype=np.float32)
