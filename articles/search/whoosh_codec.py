"""What Pressroom reads of Whoosh's storage beyond its public API, and why.

Whoosh's matchers hand out postings one at a time (`id()`, `weight()`, `value()`, `next()`),
about a microsecond each, so reading a common word's postings that way would be most of a
search. Long postings (Whoosh 3's `W3LeafMatcher`, blocks of up to 128 documents) are read
here a block at a time through the matcher's own block methods and attributes (`_read_data`,
`_data`, `_byteids`, `_read_weights`, `_read_values`, `_weights`, `_values`, `_next_block`):
a block's document numbers are stored as gaps, summed here with numpy. In a segment with deletions
the block matcher under Whoosh's FilterMatcher (`child`, `_ids`, `_exclude`) is read so, and
the deleted documents dropped with numpy. The Positions format's values
(a 4-byte count, then the pickled gaps between positions) are decoded without Whoosh's loop
over every position. Scores share Whoosh's idf (`idf`), so the engine ranks as Whoosh's BM25F.

Per-document columns (a field's lengths, a NUMERIC field's values) are read whole: one read of
the column file's bytes (`W3PerDocReader.column_reader`, the reader's `_dbfile`, `_basepos`,
`_count`, `_fixedlen`, `_typecode` and `_default`), instead of a call per document, which at a
million documents takes seconds. Whoosh 3 keeps a field's length in one byte (`byte_to_length`).
A segment's deleted documents are its reader's `deleted_docs_set`, not `all_doc_ids` walked.

These are internals of the Whoosh pinned in requirements.txt, and nothing else in Pressroom
touches them: tests/test_whoosh_codec.py checks each against Whoosh's public interface on a
real index, so a Whoosh upgrade that changes them fails there first.
"""

import pickle
from itertools import chain

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.fields import NUMERIC
from whoosh.formats import Positions
from whoosh.matching import FilterMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

# What each of a length column's bytes stands for.
_LENGTH_OF_BYTE = np.array([byte_to_length(byte) for byte in range(256)], dtype=np.float32)


def postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term the segment's reader holds, in document order."""
    matcher, deleted = _blocks(reader.postings(field, text))
    if matcher is not None:
        # A block at a time: the one-posting-at-a-time interface costs twice as much.
        gaps, weights = [], []
        while matcher.is_active():
            gaps.append(_block_gaps(matcher))
            matcher._read_weights()
            weights.append(matcher._weights)
            matcher._next_block()
        ids, weights = _ids(gaps), _joined(weights, np.float32)
        if deleted is None:
            return ids, weights
        live = ~np.isin(ids, deleted)
        return ids[live], weights[live]
    # Inlined postings (a word in few documents), read one at a time
    matcher = reader.postings(field, text)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def _blocks(matcher) -> tuple[W3LeafMatcher | None, np.ndarray | None]:
    """The block matcher of a segment's postings (None for inlined ones), and the deleted documents
    it holds (None if none), which Whoosh's FilterMatcher would leave out a posting at a time.

    The FilterMatcher has moved the block matcher past any deleted documents the postings begin
    with: the block matcher is read from its block's start, and those go with the other deleted ones.
    """
    deleted = None
    if type(matcher) is FilterMatcher and matcher._exclude and matcher.boost == 1.0:
        matcher, deleted = matcher.child, np.fromiter(matcher._ids, dtype=np.int64, count=len(matcher._ids))
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        return matcher, deleted
    return None, None


def _block_gaps(matcher) -> tuple[int, ...]:
    """A block's document numbers as stored: the first, then the gap to each next one.

    `_read_ids` sums them up one at a time in Python (`delta_decode`); `_ids` sums them all at once.
    """
    if matcher._data is None:
        matcher._read_data()
    return matcher._data[0]


def _ids(gaps: list[tuple[int, ...]]) -> np.ndarray:
    """The document numbers of blocks of gaps (`_block_gaps`): each block's running sum."""
    sizes = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
    running = np.cumsum(_joined(gaps, np.int64))
    if not len(running):
        return np.zeros(0, np.int32)
    # Each block's sum starts from 0: the running sum less the sum before the block.
    before = np.concatenate(([0], running[np.cumsum(sizes)[:-1] - 1]))
    return (running - np.repeat(before, sizes)).astype(np.int32)


def _joined(parts, dtype) -> np.ndarray:
    total = sum(map(len, parts))
    return np.fromiter(chain.from_iterable(parts), dtype=dtype, count=total)


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
    matcher, deleted = _blocks(reader.postings(field, text))
    documents, gaps = [], []
    if matcher is not None and type(reader.schema[field].format) is Positions:
        # A block at a time, as in `postings`, each value read as Positions.decode_positions
        # reads it, without its loop over every position.
        blocks = []
        while matcher.is_active():
            blocks.append(_block_gaps(matcher))
            matcher._read_values()
            gaps.extend(_gaps(value) for value in matcher._values)
            matcher._next_block()
        ids = _ids(blocks)
        if deleted is None:
            return ids.tolist(), gaps
        live = ~np.isin(ids, deleted)
        return ids[live].tolist(), [each for each, kept in zip(gaps, live, strict=True) if kept]
    # Inlined postings, or a field with another format
    matcher = reader.postings(field, text)
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


def field_lengths(reader, field: str) -> np.ndarray:
    """Each document's length in the field as `doc_field_length` gives it (0 for none), read at once."""
    name, size = _lenfield(field), reader.doc_count_all()
    if not reader._perdoc.has_column(name):  # no document of the segment has the field
        return np.zeros(size, np.float32)
    return _LENGTH_OF_BYTE[_column_values(reader._perdoc.column_reader(name, LENGTHS_COLUMN), size)]


def numbers(reader, field: str) -> np.ndarray:
    """Each document's value of an integer NUMERIC field, as `column_reader` gives them, read at once.

    A document without a value has the field's default, as there.
    """
    declared = reader.schema[field]
    if not (isinstance(declared, NUMERIC) and declared.numtype is int):
        raise TypeError(f"{field} is not an integer NUMERIC field")
    values = _column_values(reader.column_reader(field, translate=False), reader.doc_count_all())
    if declared.signed:  # stored shifted, so that they sort as unsigned (whoosh.util.numeric.from_sortable)
        return values.astype(np.int64) - (1 << (declared.bits - 1))
    return values


def _column_values(column, size: int) -> np.ndarray:
    if not isinstance(column, NumericColumn.Reader):  # a segment without the column: the default for all
        return np.fromiter(column, dtype=np.uint64, count=size)
    # The documents from the last one with a value on are not written: theirs is the default.
    written = min(column._count, size)
    data = column._dbfile.get(column._basepos, written * column._fixedlen)
    values = np.frombuffer(data, dtype=np.dtype(column._typecode).newbyteorder(">"))
    return np.concatenate((values, np.full(size - written, column._default, dtype=values.dtype)))


def deleted_documents(reader) -> np.ndarray:
    """The segment's deleted documents, ascending: those `all_doc_ids` leaves out, at once."""
    deleted = reader.deleted_docs_set  # the set the reader's own postings leave out
    return np.sort(np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
