"""The index read into numpy arrays: postings, field lengths, dates and countries.

Whoosh decodes postings one Python object at a time, about a microsecond per document, so
matching, scoring and counting through its matchers takes hundreds of milliseconds for a
common word in a large archive. A segment never changes once written (Whoosh keeps its
deletions apart), so what is read from a segment is kept as arrays for as long as the segment
is live, across commits and threads, and searches work on those arrays.
"""

import threading
from collections import OrderedDict

import numpy as np

from . import whoosh_codec
from .integrity import UnreadableIndex
from .schema import COUNTRY_WEIGHT_STEP
from .segment_cache import SegmentCache

# A bound on the postings kept per process; a common word costs 8 bytes per document it is in,
# and its positions, read for phrases, 8 bytes per time it occurs.
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024
# A bound on the segments' arrays kept per process, the least recently used dropped first. They
# take 40 bytes per document (measured on 4,000 generated releases naming 2.0 countries each: 12
# for its date and lengths, 14 per country), so 256 MB holds an index of six million documents
# and the segments a merge replaced, which searchers opened before it still read.
SEGMENT_ARRAYS_BYTES = 256 * 1024 * 1024
# Countries' masks kept per version of the index and thread (a byte per document each).
COUNTRY_MASKS_KEPT = 48


class SegmentArrays:
    """What one segment holds, as arrays indexed by the segment's own document numbers."""

    def __init__(self, reader):
        self.segment_id = reader.segment().segment_id()  # a random name, never reused
        self.size = reader.doc_count_all()
        self.published = _published(reader, self.size)
        self.lengths = {name: _lengths(reader, name, self.size) for name in ("title", "body")}
        # Every (document, country, weight) triple, as parallel arrays; countries numbered within the segment.
        self.country_codes = sorted(term_text(code) for code in _lexicon(reader, "countries"))
        self.country_docs, self.country_numbers, self.country_weights = _country_pairs(
            reader, self.country_codes
        )

    @property
    def nbytes(self) -> int:
        """What the arrays take in memory (postings are kept, and counted, apart)."""
        arrays = (self.published, *self.lengths.values(), self.country_docs, self.country_numbers)
        return sum(array.nbytes for array in (*arrays, self.country_weights))

    def postings(self, reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term in this segment, read through this thread's reader."""
        return _cached((self.segment_id, field, text, "postings"), _read_postings, reader, field, text)

    def positions(self, reader, field: str, text: str) -> np.ndarray:
        """A word's positions in this segment (see `_read_positions`), for checking phrases."""
        return _cached((self.segment_id, field, text, "positions"), _read_positions, reader, field, text)


class IndexArrays:
    """One version of the index, seen through one searcher: its segments' arrays end to end."""

    def __init__(self, searcher):
        reader = searcher.reader()
        self.searcher = searcher
        self.size = reader.doc_count_all()
        self._leaves = [
            (sub_reader, offset, _segment_arrays(sub_reader))
            for sub_reader, offset in reader.leaf_readers()
            if sub_reader.segment() is not None  # an empty index has a reader without one
        ]
        self.country_codes = sorted({code for *_, arrays in self._leaves for code in arrays.country_codes})
        self.live = self._live()
        self.published = self._joined(lambda arrays: arrays.published, np.int32)
        self.lengths = {
            name: self._joined(lambda arrays, name=name: arrays.lengths[name], np.float32)
            for name in ("title", "body")
        }
        self.average_length = {
            name: (reader.field_length(name) / max(1, reader.doc_count_all())) or 1.0
            for name in ("title", "body")
        }
        self.country_docs, self.country_numbers, self.country_weights = self._country_triples()
        self._country_masks: dict[str, np.ndarray] = {}

    def _live(self) -> np.ndarray:
        """A mask of the documents not deleted (a segment's deletions are kept apart from it)."""
        live = np.ones(self.size, dtype=bool)
        for sub_reader, offset, arrays in self._leaves:
            if sub_reader.has_deletions():
                live[offset : offset + arrays.size] = False
                live[np.fromiter(sub_reader.all_doc_ids(), dtype=np.int64) + offset] = True
        return live

    def _country_triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The segments' (document, country, weight) triples end to end, as parallel arrays:
        documents numbered across the index, countries by their place in `country_codes`."""
        documents = np.concatenate(
            [arrays.country_docs + offset for _, offset, arrays in self._leaves] or [np.zeros(0, np.int32)]
        )
        # Each segment numbers the countries it names by its own codes: renumbered by the index's.
        numbers = np.concatenate(
            [
                np.asarray(
                    [self.country_codes.index(code) for code in arrays.country_codes] or [0], np.int16
                )[arrays.country_numbers]
                for *_, arrays in self._leaves
            ]
            or [np.zeros(0, np.int16)]
        )
        weights = np.concatenate(
            [arrays.country_weights for *_, arrays in self._leaves] or [np.zeros(0, np.float32)]
        )
        return documents, numbers, weights

    def _joined(self, part, dtype) -> np.ndarray:
        parts = [part(arrays) for *_, arrays in self._leaves]
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term across all segments, deleted documents included."""
        parts = [
            (ids + offset if offset else ids, weights)
            for sub_reader, offset, arrays in self._leaves
            for ids, weights in [arrays.postings(sub_reader, field, text)]
            if len(ids)
        ]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        return np.concatenate([ids for ids, _ in parts]), np.concatenate([weights for _, weights in parts])

    def positions(self, field: str, text: str, documents: np.ndarray) -> np.ndarray:
        """Where a word is in the field, in the documents of a mask.

        The places are ascending (document << 32 | position) keys.
        """
        parts = []
        for sub_reader, offset, arrays in self._leaves:
            chosen = documents[offset : offset + arrays.size]
            if chosen.any():
                keys = arrays.positions(sub_reader, field, text)
                keys = keys[chosen[keys >> 32]]
                parts.append(keys + (offset << 32) if offset else keys)
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def in_countries(self, codes) -> np.ndarray:
        """A mask of the documents naming any of the countries."""
        chosen = np.zeros(self.size, dtype=bool)
        for code in codes:
            chosen |= self._in_country(code)
        return chosen

    def in_every_country(self, codes) -> np.ndarray:
        """A mask of the documents naming all of the countries."""
        chosen = np.ones(self.size, dtype=bool)
        for code in codes:
            chosen &= self._in_country(code)
        return chosen

    def _in_country(self, code: str) -> np.ndarray:
        """One country's mask, kept for the next searches of this version of the index."""
        if code not in self._country_masks:
            mask = np.zeros(self.size, dtype=bool)
            mask[self.country_docs[self._pairs_of(code)]] = True
            if len(self._country_masks) >= COUNTRY_MASKS_KEPT:
                self._country_masks.pop(next(iter(self._country_masks)))
            self._country_masks[code] = mask
        return self._country_masks[code]

    def weight_of_countries(self, codes) -> np.ndarray:
        """Per document, the greatest weight among the countries (0 where it names none)."""
        weights = np.zeros(self.size, dtype=np.float32)
        for code in codes:
            pairs = self._pairs_of(code)
            np.maximum.at(weights, self.country_docs[pairs], self.country_weights[pairs])
        return weights

    def _pairs_of(self, code: str) -> np.ndarray:
        """Which (document, country) pairs are the country's, as a mask over the pairs."""
        if code not in self.country_codes:
            return np.zeros(len(self.country_docs), dtype=bool)
        return self.country_numbers == self.country_codes.index(code)

    def country_counts(self, documents: np.ndarray) -> dict[str, int]:
        """How many of the given documents (a mask) name each country."""
        counts = np.bincount(
            self.country_numbers[documents[self.country_docs]], minlength=len(self.country_codes)
        )
        return {self.country_codes[number]: int(counts[number]) for number in np.flatnonzero(counts)}

    def published_between(self, first: int, last: int) -> np.ndarray:
        return (self.published >= first) & (self.published <= last)


def _cached(key, read, *args):
    found = _postings_cache.get(key)
    if found is None:
        found = read(*args)
        _postings_cache.put(key, found)
    return found


def _read_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    if (field, text) not in reader:
        return np.zeros(0, np.int32), np.zeros(0, np.float32)
    try:
        return whoosh_codec.postings(reader, field, text)
    except OSError:
        raise
    except Exception as error:  # the postings of a word in the lexicon fail to read only when garbled
        raise UnreadableIndex(
            f"the postings of {field}:{text!r} are unreadable ({type(error).__name__}: {error})"
        ) from error


def _read_positions(reader, field: str, text: str) -> np.ndarray:
    """Every position of a word in a segment's field, as (document << 32 | position) keys in order."""
    if (field, text) not in reader:
        return np.zeros(0, np.int64)
    try:
        documents, counts, positions = whoosh_codec.positions(reader, field, text)
    except OSError:
        raise
    except Exception as error:  # the postings of a word in the lexicon fail to read only when garbled
        raise UnreadableIndex(
            f"the positions of {field}:{text!r} are unreadable ({type(error).__name__}: {error})"
        ) from error
    return (np.repeat(documents, counts) << 32) | positions


def _published(reader, size: int) -> np.ndarray:
    if not reader.has_column("published"):
        return np.zeros(size, np.int32)
    return np.fromiter(reader.column_reader("published"), dtype=np.int32, count=size)


def _lengths(reader, field: str, size: int) -> np.ndarray:
    return np.fromiter(
        (reader.doc_field_length(docnum, field, 0) or 0 for docnum in range(size)),
        dtype=np.float32,
        count=size,
    )


def _country_pairs(reader, country_codes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    docs, numbers, weights = [], [], []
    for number, code in enumerate(country_codes):
        ids, frequencies = _read_postings(reader, "countries", code)
        docs.append(ids)
        numbers.append(np.full(len(ids), number, dtype=np.int16))
        weights.append(frequencies * COUNTRY_WEIGHT_STEP)
    if not docs:
        return np.zeros(0, np.int64), np.zeros(0, np.int16), np.zeros(0, np.float32)
    return (
        np.concatenate(docs).astype(np.int64),
        np.concatenate(numbers),
        np.concatenate(weights).astype(np.float32),
    )


def _lexicon(reader, field: str):
    return reader.lexicon(field) if field in reader.indexed_field_names() else ()


def term_text(term) -> str:
    """A term as text (Whoosh gives bytes or str)."""
    return term.decode() if isinstance(term, bytes) else term


class _PostingsCache:
    """The postings of every segment under one byte budget, the least recently read evicted first."""

    def __init__(self, budget: int):
        self.budget = budget
        self.used = 0
        # (segment, field, text, "postings" or "positions") -> what `_read_postings` or
        # `_read_positions` gives
        self.entries: OrderedDict[tuple[str, str, str, str], tuple | np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key, postings) -> None:
        with self.lock:
            if key not in self.entries:
                self.entries[key] = postings
                self.used += _size(postings)
            while self.used > self.budget and len(self.entries) > 1:
                _, evicted = self.entries.popitem(last=False)
                self.used -= _size(evicted)


def _size(found) -> int:
    return found.nbytes if isinstance(found, np.ndarray) else sum(array.nbytes for array in found)


_postings_cache = _PostingsCache(POSTINGS_CACHE_BYTES)
_segments = SegmentCache(SegmentArrays, SEGMENT_ARRAYS_BYTES)


def _segment_arrays(reader) -> SegmentArrays:
    """The arrays of a segment, read once per process and shared by every thread."""
    return _segments.get(reader)


def forget_cached_segments() -> None:
    """Drop every segment's arrays and postings: after damage, what was read may be wrong."""
    _segments.forget()
    with _postings_cache.lock:
        _postings_cache.entries.clear()
        _postings_cache.used = 0
