"""Whoosh's segment writer, made for Pressroom's documents: the postings of a field given as its
words made in one pass, a segment's postings kept by term, the fields' lengths read once, and
its terms written a field at a time (term_writing.py).

Used by live updates (`process_index.live_writer`) and by rebuilds (`segment_writing.py`). It
overrides `add_document` and `_flush_segment` of Whoosh's `SegmentWriter` and replaces its pool,
so it is tied to the Whoosh pinned in requirements.txt; tests/test_index_writing.py holds an
index it writes to one Whoosh's own writer writes from the articles' text.
"""

from collections import Counter
from itertools import groupby
from operator import itemgetter

from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint
from whoosh.writing import MERGE_SMALL, SegmentWriter

from .term_writing import write_field

# Segments this large are left as they are by the commits after a rebuild: merging one is a
# posting at a time in Python (tens of seconds), which would hold the index's write lock.
LARGE_SEGMENT_ARTICLES = 10_000


def merge_small_segments(writer, segments):
    """Whoosh's merge policy for a commit (merge small segments into the new one), among the
    segments smaller than LARGE_SEGMENT_ARTICLES only: a rebuild's segments stay as written."""
    large = [segment for segment in segments if segment.doc_count_all() >= LARGE_SEGMENT_ARTICLES]
    small = [segment for segment in segments if segment.doc_count_all() < LARGE_SEGMENT_ARTICLES]
    return [*large, *MERGE_SMALL(writer, small)]


class ArticleWriter(SegmentWriter):
    """Whoosh's segment writer, making the postings of the fields given as words in one pass,
    keeping a segment's postings by term, and handing its postings writer the fields' lengths
    from memory.

    Whoosh walks one token object through a field's format a word at a time, pools every
    posting as a tuple, sorts them all, and writes each with its document's field length, read
    back from the segment's files one posting at a time: most of a rebuild once the words are
    analysed. Here a field's words are counted in one pass, postings are kept under their term
    as they come (a document's come in document order), only the terms are sorted, and the
    lengths are read once. tests/test_index_writing.py holds the index written to Whoosh's.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if any(field.vector or field.separate_spelling() for _, field in self.schema.items()):
            raise TypeError("a field with term vectors or spelling words needs Whoosh's own add_document")
        self.pool = _PostingsByTerm()

    def add_document(self, **fields):
        """Whoosh's `SegmentWriter.add_document` for documents without boosts, vectors or
        spelling words, as article_to_document makes them."""
        self._check_state()
        perdocwriter, docnum, postings = self.perdocwriter, self.docnum, self.pool
        perdocwriter.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = self.schema[fieldname]
            length = 0
            if field.indexed:
                items = _word_postings(field, value) if isinstance(value, list) else field.index(value)
                for term, frequency, weight, encoded in items:
                    if field.scorable:
                        length += frequency
                    postings.add_posting(fieldname, term, docnum, weight, encoded)
            perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        """Whoosh's, with each field's terms handed to term_writing.py, which writes them as
        `FieldWriter.add_postings` would from a sorted pool."""
        self.perdocwriter.close()
        lengths = _LengthsInMemory(self.per_document_reader(), self.doc_count())
        fieldwriter, postings = self.fieldwriter, self.pool.postings
        for fieldname, terms in groupby(sorted(postings), key=itemgetter(0)):
            write_field(
                fieldwriter,
                fieldname,
                self.schema[fieldname],
                ((term, postings[(fieldname, term)]) for _, term in terms),
                lengths.of_field(fieldname),
            )
        fieldwriter.close()
        lengths.close()


def _word_postings(field, words: list[str]):
    """(term, frequency, weight, encoded value) for each distinct word, as the field's format's
    `word_values` gives them for a list of words (positions counted from 0, each word weighing 1)."""
    boost = field.format.field_boost
    if type(field.format) is Positions:
        places: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            found = places.get(word)
            if found is None:
                places[word] = [position]
            else:
                found.append(position)
        encode = field.format.encode
        return [
            (word.encode(), len(found), len(found) * boost, encode(found)) for word, found in places.items()
        ]
    if type(field.format) is Frequency:
        return [
            (word.encode(), count, count * boost, pack_uint(count)) for word, count in Counter(words).items()
        ]
    return field.index(words)


class _PostingsByTerm:
    """What Whoosh's writer asks of its pool of postings, for a segment held in memory."""

    def __init__(self):
        self.postings: dict[tuple[str, bytes], list] = {}
        self.fieldnames: set[str] = set()

    def add(self, posting) -> None:
        self.add_posting(*posting)

    def add_posting(self, fieldname: str, term: bytes, docnum: int, weight: float, value: bytes) -> None:
        found = self.postings.get((fieldname, term))
        if found is None:
            found = self.postings[(fieldname, term)] = []
            self.fieldnames.add(fieldname)
        found.append((docnum, weight, value))

    def cleanup(self) -> None:
        self.postings.clear()


class _LengthsInMemory:
    """A segment's field lengths, each field's read in one pass from its per-document reader."""

    def __init__(self, reader, documents: int):
        self.reader = reader
        self.documents = documents

    def of_field(self, fieldname: str) -> list[int]:
        read = self.reader.doc_field_length
        return [read(docnum, fieldname, 0) for docnum in range(self.documents)]

    def close(self):
        self.reader.close()
