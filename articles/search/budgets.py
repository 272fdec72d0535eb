"""How many bytes a web worker keeps of the index in memory, from the settings or the archive's size.

Three things are kept, each within a budget of bytes (pressroom/settings.py reads them from
PRESSROOM_POSTINGS_CACHE_BYTES, PRESSROOM_SEGMENT_ARRAYS_BYTES and PRESSROOM_COUNTRY_MASKS_BYTES).
Each one left unset is so many bytes per document of the index, with a floor for small archives:

- postings, the words searched lately (arrays.py): 8 bytes per document a word is in, per field,
  and for the words of phrases 8 more per time the word occurs. The benchmark's thirty common
  words each in a tenth to a third of the releases, in title and body, with the positions of the
  phrases' words, take about 100 bytes per document: 128 keeps them and some words of the day.
- segment arrays, each segment's dates, lengths and countries (arrays.py): 32 bytes per document
  naming two countries (31.6 measured on 600,000 synthetic releases naming 1.96 each), twice
  over for the segments a merge replaced, which searchers opened before it still read, and for
  releases that name more countries.
- country masks, a byte per document each, for a version of the index (country_lists.py):
  16 of them, the countries most searched; one not kept is rebuilt in under 2 ms.

At 1,000,000 releases that is 128 MB + 80 MB + 16 MB. A version of the index, shared by a
worker's threads, takes 43 bytes per document beside them (dates, lengths, BM25's length
norms, the countries by country and by document: 43 MB, twice that while a commit's new
version replaces the old), and Python, Django and the libraries about 75 MB. Measured at
1,000,000 synthetic releases (bench/scale_bench.py), a worker whose four threads ran the
benchmark's mix was at 360 MB, 32 MB of it postings: with the postings' budget full, about
460 MB. Most of the rest is the searches' working arrays (5 MB per term searched), which the
C library keeps for the next searches once freed.
"""

from dataclasses import dataclass

from django.conf import settings

POSTINGS_BYTES_PER_DOCUMENT = 128
POSTINGS_FLOOR = 64 * 1024 * 1024  # what a worker kept before the budgets followed the archive
SEGMENT_ARRAYS_BYTES_PER_DOCUMENT = 80
SEGMENT_ARRAYS_FLOOR = 32 * 1024 * 1024
COUNTRY_MASKS_PER_VERSION = 16
COUNTRY_MASKS_FLOOR = 4 * 1024 * 1024


@dataclass(frozen=True)
class Budgets:
    postings: int
    segment_arrays: int
    country_masks: int


def budgets_for(documents: int) -> Budgets:
    """The budgets for an index of so many documents: the settings', or those derived from its size."""
    return Budgets(
        postings=settings.PRESSROOM_POSTINGS_CACHE_BYTES
        or max(POSTINGS_FLOOR, POSTINGS_BYTES_PER_DOCUMENT * documents),
        segment_arrays=settings.PRESSROOM_SEGMENT_ARRAYS_BYTES
        or max(SEGMENT_ARRAYS_FLOOR, SEGMENT_ARRAYS_BYTES_PER_DOCUMENT * documents),
        country_masks=settings.PRESSROOM_COUNTRY_MASKS_BYTES
        or max(COUNTRY_MASKS_FLOOR, COUNTRY_MASKS_PER_VERSION * documents),
    )
