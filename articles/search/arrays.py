"""The index read into numpy arrays: postings, field lengths, dates and countries.

Whoosh decodes postings one Python object at a time, about a microsecond per document, so
matching, scoring and counting through its matchers takes hundreds of milliseconds for a
common word in a large archive. A segment never changes once written (Whoosh keeps its
deletions apart), so what is read from a segment is kept as arrays for as long as the segment
is live, across commits and threads, and searches work on those arrays.
"""

import threading
import weakref
from collections import OrderedDict

import numpy as np
from whoosh.reading import SegmentReader

from . import saved_arrays, saved_postings, whoosh_codec
from .budgets import budgets_for
from .country_lists import CountryLists
from .integrity import UnreadableIndex
from .schema import COUNTRY_WEIGHT_STEP
from .segment_cache import SegmentCache


class SegmentArrays:
    """What one segment holds, as arrays indexed by the segment's own document numbers."""

    def __init__(self, reader, folder: str | None = None):
        """Read from the segment's files, or from the arrays saved beside them in `folder` (None: read)."""
        self.segment_id = reader.segment().segment_id()  # a random name, never reused
        self.size = reader.doc_count_all()
        read = saved_arrays.load(folder, self.segment_id, self.size)
        if read is None:
            read = _read_segment(reader, self.size)
            saved_arrays.save(folder, self.segment_id, read)
        self.published = read["published"]
        self.lengths = {name: read[f"{name}_lengths"] for name in ("title", "body")}
        # Every (document, country, weight) triple, as parallel arrays; countries numbered within the segment.
        self.country_codes = read["country_codes"].tolist()
        self.country_docs = read["country_docs"]
        self.country_numbers = read["country_numbers"]
        self.country_weights = read["country_weights"]
        self.saved_postings = saved_postings.SavedPostings(folder, self.segment_id, self.size)

    @property
    def nbytes(self) -> int:
        """What the arrays take in memory (postings are kept, and counted, apart)."""
        arrays = (self.published, *self.lengths.values(), self.country_docs, self.country_numbers)
        return sum(array.nbytes for array in (*arrays, self.country_weights))

    def postings(self, reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term in this segment, read through this thread's reader."""
        return _cached((self.segment_id, field, text, "postings"), self._read_postings, reader, field, text)

    def _read_postings(self, reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        saved = self.saved_postings.get(field, text)
        return saved if saved is not None else _read_postings(reader, field, text)

    def positions(self, reader, field: str, text: str) -> np.ndarray:
        """A word's positions in this segment (see `_read_positions`), for checking phrases."""
        return _cached((self.segment_id, field, text, "positions"), _read_positions, reader, field, text)


class IndexVersion:
    """One version of the index (its segments and their deletions) as arrays, documents numbered
    across the index: built once per process and shared, read-only, by every thread searching it."""

    def __init__(self, reader, leaves):
        """From the reader of one thread, and its segments' (reader, offset, SegmentArrays)."""
        self.size = reader.doc_count_all()
        self.live = _read_only(_live(self.size, leaves))
        self.published = _read_only(_joined([arrays.published for *_, arrays in leaves], np.int32))
        self.lengths = {
            name: _read_only(_joined([arrays.lengths[name] for *_, arrays in leaves], np.float32))
            for name in ("title", "body")
        }
        self.average_length = {
            name: (reader.field_length(name) / max(1, self.size)) or 1.0 for name in ("title", "body")
        }
        codes = sorted({code for *_, arrays in leaves for code in arrays.country_codes})
        self.countries = CountryLists(
            self.size, codes, _country_triples(codes, leaves), budgets_for(self.size).country_masks
        )
        self._derived: dict = {}
        self._derived_lock = threading.Lock()

    def derived(self, key, make) -> np.ndarray:
        """What `make()` works out from this version's arrays, once for every search of it (read-only)."""
        found = self._derived.get(key)
        if found is None:
            made = _read_only(make())
            with self._derived_lock:
                found = self._derived.setdefault(key, made)
        return found

    @property
    def nbytes(self) -> int:
        arrays = (self.live, self.published, *self.lengths.values())
        derived = sum(array.nbytes for array in self._derived.values())
        return (
            sum(array.nbytes for array in arrays)
            + self.countries.nbytes
            + self.countries.masks_used
            + derived
        )


class IndexArrays:
    """One version of the index, seen through one searcher: the version's arrays, shared by the
    threads, and the postings, read through this searcher's own readers (Whoosh's readers are
    not thread-safe)."""

    def __init__(self, searcher, folder: str | None = None):
        """`folder`: the index's, where large segments' arrays are saved (None: an index in memory)."""
        reader = searcher.reader()
        self.searcher = searcher
        _follow_the_archive(reader.doc_count_all())
        self._leaves = [
            (sub_reader, offset, _segment_arrays(sub_reader, folder))
            for sub_reader, offset in reader.leaf_readers()
            if sub_reader.segment() is not None  # an empty index has a reader without one
        ]
        self.version = _versions.get(reader, self._leaves)
        self.size = self.version.size
        self.live = self.version.live
        self.published = self.version.published
        self.lengths = self.version.lengths
        self.average_length = self.version.average_length
        self.country_codes = self.version.countries.codes

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
            chosen |= self.version.countries.mask(code)
        return chosen

    def in_every_country(self, codes) -> np.ndarray:
        """A mask of the documents naming all of the countries."""
        chosen = np.ones(self.size, dtype=bool)
        for code in codes:
            chosen &= self.version.countries.mask(code)
        return chosen

    def weight_of_countries(self, codes) -> np.ndarray:
        """Per document, the greatest weight among the countries (0 where it names none)."""
        weights = np.zeros(self.size, dtype=np.float32)
        for code in codes:
            documents = self.version.countries.documents_of(code)  # each once
            weights[documents] = np.maximum(weights[documents], self.version.countries.weights_of(code))
        return weights

    def country_counts(self, documents: np.ndarray) -> dict[str, int]:
        """How many of the given documents (a mask) name each country."""
        counts = self.version.countries.counts(documents)
        return {self.country_codes[number]: int(counts[number]) for number in np.flatnonzero(counts)}

    def published_between(self, first: int, last: int) -> np.ndarray:
        return (self.published >= first) & (self.published <= last)


def _live(size: int, leaves) -> np.ndarray:
    """A mask of the documents not deleted (a segment's deletions are kept apart from it)."""
    live = np.ones(size, dtype=bool)
    for sub_reader, offset, _ in leaves:
        if sub_reader.has_deletions():
            live[whoosh_codec.deleted_documents(sub_reader) + offset] = False
    return live


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The segments' arrays end to end (a single segment's as it is: nothing writes into either)."""
    if len(parts) == 1:
        return parts[0].astype(dtype, copy=False)
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _country_triples(codes: list[str], leaves) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The segments' (document, country, weight) triples end to end, as parallel arrays:
    documents numbered across the index, countries by their place in `codes`."""
    documents = np.concatenate(
        [arrays.country_docs + offset for _, offset, arrays in leaves] or [np.zeros(0, np.int32)]
    )
    # Each segment numbers the countries it names by its own codes: renumbered by the index's.
    numbers = np.concatenate(
        [
            np.asarray([codes.index(code) for code in arrays.country_codes] or [0], np.int16)[
                arrays.country_numbers
            ]
            for *_, arrays in leaves
        ]
        or [np.zeros(0, np.int16)]
    )
    weights = np.concatenate([arrays.country_weights for *_, arrays in leaves] or [np.zeros(0, np.float32)])
    return documents, numbers, weights


def _read_only(array: np.ndarray) -> np.ndarray:
    """Shared by the threads: a search that wrote into it would be a bug, and fails as one."""
    array.flags.writeable = False
    return array


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


def _read_segment(reader, size: int) -> dict[str, np.ndarray]:
    """A segment's arrays read from its files, named as saved_arrays.LAYOUT names them."""
    country_codes = sorted(term_text(code) for code in _lexicon(reader, "countries"))
    docs, numbers, weights = _country_pairs(reader, country_codes)
    return {
        "published": _published(reader, size),
        **{f"{name}_lengths": whoosh_codec.field_lengths(reader, name) for name in ("title", "body")},
        "country_codes": np.array(country_codes, dtype=np.str_),
        "country_docs": docs,
        "country_numbers": numbers,
        "country_weights": weights,
    }


def _published(reader, size: int) -> np.ndarray:
    if not reader.has_column("published"):
        return np.zeros(size, np.int32)
    return whoosh_codec.numbers(reader, "published").astype(np.int32)


def _country_pairs(reader, country_codes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    docs, numbers, weights = [], [], []
    for number, code in enumerate(country_codes):
        ids, frequencies = _read_postings(reader, "countries", code)
        docs.append(ids)
        numbers.append(np.full(len(ids), number, dtype=np.int16))
        weights.append(frequencies * COUNTRY_WEIGHT_STEP)
    if not docs:
        return np.zeros(0, np.int32), np.zeros(0, np.int16), np.zeros(0, np.float32)
    return (
        np.concatenate(docs).astype(np.int32),
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


class _Versions:
    """Each version of the index built once per process and kept while a thread still searches it.

    A version is known by its segments and how many documents each has deleted: a commit that
    deletes adds to a segment's deletions, never takes any back. The latest built is kept even
    when no thread holds it, so that what a worker read ahead at its start is there for its first search.
    """

    def __init__(self):
        self._kept: weakref.WeakValueDictionary[tuple, IndexVersion] = weakref.WeakValueDictionary()
        self._latest: IndexVersion | None = None
        self._building: dict[tuple, threading.Lock] = {}  # held while that version is built
        self._lock = threading.Lock()

    def get(self, reader, leaves) -> IndexVersion:
        key = tuple(
            (arrays.segment_id, sub_reader.segment().deleted_count()) for sub_reader, _, arrays in leaves
        )
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:  # a second thread needing it waits for the first, rather than building it too
            with self._lock:
                found = self._kept.get(key)
                if found is not None:
                    return found
            try:
                version = IndexVersion(reader, leaves)  # if the files are damaged, a waiter meets it too
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._kept[key] = self._latest = version
        return version

    def forget(self) -> None:
        with self._lock:
            self._kept.clear()
            self._latest = None


_postings_cache = _PostingsCache(budgets_for(0).postings)
_segments = SegmentCache(SegmentArrays, budgets_for(0).segment_arrays)
_versions = _Versions()


def _follow_the_archive(documents: int) -> None:
    """The process's budgets for the largest index it has searched (a percolator's few releases
    do not shrink them)."""
    budgets = budgets_for(documents)
    _postings_cache.budget = max(_postings_cache.budget, budgets.postings)
    _segments.budget = max(_segments.budget, budgets.segment_arrays)


def _segment_arrays(reader, folder: str | None) -> SegmentArrays:
    """The arrays of a segment, read once per process and shared by every thread."""
    return _segments.get(reader, folder)


def save_segment_arrays(ix, segment) -> None:
    """Save the arrays and the common words' postings of a segment just written into `ix` beside it,
    if it is one worth saving, so that no process's first search has to read them from Whoosh."""
    if segment.doc_count_all() < saved_arrays.SAVED_FROM:
        return
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        SegmentArrays(reader, ix.storage.folder)
        saved_postings.save(ix.storage.folder, segment.segment_id(), reader, _read_postings)
    finally:
        reader.close()


def forget_cached_segments() -> None:
    """Drop every segment's arrays, versions and postings: after damage, what was read may be wrong."""
    _segments.forget()
    _versions.forget()
    with _postings_cache.lock:
        _postings_cache.entries.clear()
        _postings_cache.used = 0
