"""What Pressroom reads of Whoosh's storage beyond its public API, and why.

Whoosh's matchers hand out postings one at a time (`id()`, `weight()`, `value()`, `next()`),
about a microsecond each, so reading a common word's postings that way would be most of a
search. Long postings (Whoosh 3's `W3LeafMatcher`, blocks of up to 128 documents) are read
here a block at a time through the matcher's own block methods (`_read_ids`, `_read_weights`,
`_read_values`, `_ids`, `_weights`, `_values`, `_next_block`), and the Positions format's values
(a 4-byte count, then the pickled gaps between positions) are decoded without Whoosh's loop
over every position. Scores share Whoosh's idf (`idf`), so the engine ranks as Whoosh's BM25F.

These are internals of the Whoosh pinned in requirements.txt, and nothing else in Pressroom
touches them: tests/test_whoosh_codec.py checks each against Whoosh's public interface on a
real index, so a Whoosh upgrade that changes them fails there first.
"""

import pickle
from itertools import chain

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE


def postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term the segment's reader holds, in document order."""
    ids, weights = [], []
    matcher = reader.postings(field, text)
    if isinstance(matcher, W3LeafMatcher):
        # A block at a time: the one-posting-at-a-time interface costs twice as much.
        while matcher.is_active():
            matcher._read_ids(), matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:  # a segment with deletions (Whoosh filters them out a posting at a time), or inlined postings
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def positions(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(documents, how many times the word is in each, its positions in them one document after another)."""
    documents, gaps = _position_gaps(reader, field, text)
    counts = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
    # Each document's gaps run from 0: a running sum over all, less the sum before the document.
    running = np.cumsum(np.fromiter(chain.from_iterable(gaps), dtype=np.int64, count=int(counts.sum())))
    before = (
        np.concatenate(([0], running[np.cumsum(counts)[:-1] - 1])) if len(counts) else np.zeros(0, np.int64)
    )
    return np.asarray(documents, dtype=np.int64), counts, running - np.repeat(before, counts)


def _position_gaps(reader, field: str, text: str) -> tuple[list[int], list[list[int]]]:
    """(documents, each one's gaps between positions), as Whoosh's Positions format stores them."""
    matcher = reader.postings(field, text)
    documents, gaps = [], []
    if isinstance(matcher, W3LeafMatcher) and type(reader.schema[field].format) is Positions:
        # A block at a time, as in `postings`, each value read as Positions.decode_positions
        # reads it, without its loop over every position.
        while matcher.is_active():
            matcher._read_ids(), matcher._read_values()
            documents.extend(matcher._ids)
            gaps.extend(_gaps(value) for value in matcher._values)
            matcher._next_block()
    else:  # a segment with deletions, as in `postings`, or a field with another format
        decode = reader.schema[field].format.decode_positions
        while matcher.is_active():
            documents.append(matcher.id())
            found = decode(matcher.value())
            gaps.append([b - a for a, b in zip([0, *found], found, strict=False)])
            matcher.next()
    return documents, gaps


def _gaps(value: bytes) -> list[int]:
    """A Positions value: the number of positions (4 bytes), then the pickled list of gaps between them."""
    return pickle.loads(value[_INT_SIZE:] if value.endswith(b".") else value[_INT_SIZE:] + b".")


def idf(searcher, field: str, text: str) -> float:
    """The term's inverse document frequency as Whoosh's BM25F has it, cached by the searcher."""
    return searcher.idf(field, text)
