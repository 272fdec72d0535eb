"""Which documents of one version of the index name which countries, laid out for the searches
that ask: the documents of a country (its mask, its weights) and the countries of the matches.

Each search counts its matches per country, and a country filter or ranking reads one
country's documents. A list of (document, country) pairs serves neither well at a million
documents: counting gathers every pair (2 million for releases naming two countries each,
10-25 ms), and finding a country's pairs scans them all. So the pairs are kept twice, in the
order each question reads them:

- by country: each country's documents, ascending, and their weights, one slice per country;
- by document: each document's first few countries as a row of a matrix (the rest, of the few
  releases naming more, apart), so counting reads only the rows of the matches, or of the
  documents that do not match when they are fewer, and subtracts from each country's total.

A country's mask, rebuilt from its slice in under 2 ms, is kept for the next searches within a
byte budget shared by every thread searching this version. Everything here is read-only.
"""

import threading
from collections import OrderedDict

import numpy as np

# A row holds this many countries, or fewer, if that leaves at most this share of the pairs apart.
MOST_COUNTRIES_IN_A_ROW = 4
PAIRS_APART = 1 / 16


class CountryLists:
    """The (document, country, weight) triples of an index, countries numbered by their place in `codes`."""

    def __init__(self, size: int, codes: list[str], triples, masks_budget: int):
        documents, numbers, weights = triples  # each segment's, one after another, in document order
        self.size = size
        self.codes = codes
        # Stable, so each country's documents stay ascending (and a sort of 16-bit numbers is a radix sort).
        by_country = np.argsort(numbers, kind="stable")
        self._documents = _read_only(documents[by_country].astype(np.int32))
        self._weights = _read_only(weights[by_country].astype(np.float32))
        self._starts = np.searchsorted(numbers[by_country], np.arange(len(codes) + 1))
        self.totals = np.diff(self._starts)
        self._rows, self._apart_documents, self._apart_numbers = self._by_document()
        self._masks: OrderedDict[str, np.ndarray] = OrderedDict()
        self._masks_budget = masks_budget
        self._masks_used = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """What the lists take (the masks kept are counted apart, in `masks_used`)."""
        arrays = (self._documents, self._weights, self._starts, self._rows)
        return sum(array.nbytes for array in (*arrays, self._apart_documents, self._apart_numbers))

    @property
    def masks_used(self) -> int:
        return self._masks_used

    def documents_of(self, code: str) -> np.ndarray:
        """The documents naming the country, ascending."""
        return self._documents[self._slice(code)]

    def weights_of(self, code: str) -> np.ndarray:
        """The country's weight in each of `documents_of(code)`."""
        return self._weights[self._slice(code)]

    def _slice(self, code: str) -> slice:
        if code not in self.codes:
            return slice(0, 0)
        number = self.codes.index(code)
        return slice(self._starts[number], self._starts[number + 1])

    def mask(self, code: str) -> np.ndarray:
        """A read-only mask of the documents naming the country, kept within the masks' budget."""
        with self._lock:
            found = self._masks.get(code)
            if found is not None:
                self._masks.move_to_end(code)
                return found
        mask = np.zeros(self.size, dtype=bool)
        mask[self.documents_of(code)] = True
        _read_only(mask)
        with self._lock:
            if code not in self._masks and mask.nbytes <= self._masks_budget:
                self._masks[code] = mask
                self._masks_used += mask.nbytes
                while self._masks_used > self._masks_budget:
                    _, evicted = self._masks.popitem(last=False)
                    self._masks_used -= evicted.nbytes
        return mask

    def counts(self, documents: np.ndarray) -> np.ndarray:
        """How many of the documents (a mask) name each country, by its number."""
        chosen = np.flatnonzero(documents)
        if 2 * len(chosen) <= self.size:
            return self._counts_of(chosen, documents)
        # Most documents are chosen: count those that are not, and take them from the totals.
        left_out = ~documents
        return self.totals - self._counts_of(np.flatnonzero(left_out), left_out)

    def _by_document(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each document's first countries as a row (empty places hold len(codes)), and the rest apart."""
        named = np.bincount(self._documents, minlength=self.size)
        width = next(
            (
                width
                for width in range(1, MOST_COUNTRIES_IN_A_ROW)
                if np.maximum(named - width, 0).sum() <= PAIRS_APART * len(self._documents)
            ),
            MOST_COUNTRIES_IN_A_ROW,
        )
        rows = np.full((self.size, width), len(self.codes), dtype=np.int16)
        filled = np.zeros(self.size, dtype=np.int32)  # how many places of each row are taken
        apart_documents, apart_numbers = [], []
        for number in range(len(self.codes)):  # a country's documents are each there once
            documents = self._documents[self._starts[number] : self._starts[number + 1]]
            place = filled[documents]
            fits = place < width
            rows[documents[fits], place[fits]] = number
            apart_documents.append(documents[~fits])
            apart_numbers.append(np.full(np.count_nonzero(~fits), number, dtype=np.int16))
            filled[documents] += 1
        return (
            _read_only(rows),
            _read_only(np.concatenate(apart_documents or [np.zeros(0, np.int32)])),
            _read_only(np.concatenate(apart_numbers or [np.zeros(0, np.int16)])),
        )

    def _counts_of(self, chosen: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # A row's empty places hold len(codes), counted in a last bin and dropped.
        counts = np.bincount(self._rows[chosen].ravel(), minlength=len(self.codes) + 1)[: len(self.codes)]
        if len(self._apart_documents):
            counts += np.bincount(self._apart_numbers[mask[self._apart_documents]], minlength=len(self.codes))
        return counts


def _read_only(array: np.ndarray) -> np.ndarray:
    """Shared by the threads: a search that wrote into it would be a bug, and fails as one."""
    array.flags.writeable = False
    return array
