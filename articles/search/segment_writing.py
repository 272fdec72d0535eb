"""Writing every article of the archive into a new index, a segment at a time, on every core.

A rebuild used Whoosh's multiprocessing writer: one process read the database and built every
document while its helpers analysed them, and the helpers' postings were merged into one
segment at the end, a posting at a time in one process. Here each process reads its own
ranges of articles from the database and writes each range as a segment of its own with
Whoosh's segment writer, and the new index lists the segments side by side: nothing is
merged, and the database, the documents and the postings are spread over every core.

From Whoosh's writer this uses what its own multiprocessing writer uses: a segment writer
without the index lock (`_lk=False`, the process that starts the others holds it), and
`_finalize_segment` to close a segment without writing a table of contents.
"""

import logging
import math
import multiprocessing
import os
import queue
import traceback
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint
from whoosh.writing import MERGE_SMALL, SegmentWriter

from ..models import Article
from .schema import article_to_document

logger = logging.getLogger(__name__)

# Segments this large are left as they are by the commits after a rebuild: merging one is a
# posting at a time in Python (tens of seconds), which would hold the index's write lock.
LARGE_SEGMENT_ARTICLES = 10_000
# How often a writing process reports its progress, and checks that its parent still lives.
REPORT_EVERY = 500


class RebuildFailed(Exception):
    """A process writing the new index died or failed: the index it was to replace stays live."""


@dataclass(frozen=True)
class ArticleRange:
    """The public articles whose keys lie from `first` to `last`: one segment's worth."""

    number: int  # the segment's place in the index
    first: int
    last: int


def article_ranges(articles_per_segment: int, processes: int) -> list[ArticleRange]:
    """The archive's public articles cut into ranges of keys, at least one per process."""
    keys = list(Article.objects.public().order_by("pk").values_list("pk", flat=True))
    if not keys:
        return []
    size = min(articles_per_segment, math.ceil(len(keys) / max(1, processes)))
    starts = range(0, len(keys), size)
    return [
        ArticleRange(number, keys[start], keys[min(start + size, len(keys)) - 1])
        for number, start in enumerate(starts)
    ]


def write_archive(ix, progress=None, processes: int = 1) -> int:
    """Write every public article into the empty index `ix`; returns how many were written.

    `processes` > 1 forks that many writing processes (commands only: fork copies one thread).
    """
    progress = progress or (lambda written: None)
    ranges = article_ranges(settings.PRESSROOM_INDEX_SEGMENT_ARTICLES, processes)
    if processes > 1 and len(ranges) > 1:
        written = _write_in_processes(ix, ranges, progress, processes)
    else:
        written = [_write_range(ix, article_range, progress) for article_range in ranges]
    segments = [segment for _, segment in sorted(written, key=lambda found: found[0]) if segment]
    writer = ix.writer()
    # A merge policy that keeps the segments there are (none: the index is new) and adds ours.
    writer.commit(mergetype=lambda writer, existing: [*existing, *segments])
    return sum(segment.doc_count_all() for segment in segments)


def _write_range(ix, article_range: ArticleRange, progress, parent_pid: int | None = None):
    """Write one range of articles as a segment of `ix`: (its number, the segment or None if empty)."""
    # What a failure leaves half-written goes with the new generation, which never goes live.
    # The writers share one folder of temporary files, removed by the commit that ends the rebuild.
    writer = _ArticleSegmentWriter(ix, _lk=False, compound=False)
    articles = (
        Article.objects.public()
        .filter(pk__gte=article_range.first, pk__lte=article_range.last)
        .order_by("pk")
        .prefetch_related("country_tags")
    )
    unreported = 0
    for article in articles.iterator(chunk_size=2000):
        writer.add_document(**article_to_document(article))
        unreported += 1
        if unreported == REPORT_EVERY:
            progress(unreported)
            unreported = 0
            if parent_pid is not None and os.getppid() != parent_pid:
                raise SystemExit("the rebuild that started this writer is gone")
    progress(unreported)
    if not writer.doc_count():  # its articles were deleted since the ranges were cut
        writer._close_segment()
        return article_range.number, None
    return article_range.number, writer._finalize_segment()


def merge_small_segments(writer, segments):
    """Whoosh's merge policy for a commit (merge small segments into the new one), among the
    segments smaller than LARGE_SEGMENT_ARTICLES only: a rebuild's segments stay as written."""
    large = [segment for segment in segments if segment.doc_count_all() >= LARGE_SEGMENT_ARTICLES]
    small = [segment for segment in segments if segment.doc_count_all() < LARGE_SEGMENT_ARTICLES]
    return [*large, *MERGE_SMALL(writer, small)]


class _ArticleSegmentWriter(SegmentWriter):
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
        """Whoosh's, with each term's postings handed straight to the field writer, as
        `FieldWriter.add_postings` hands them from a sorted pool."""
        self.perdocwriter.close()
        lengths = _LengthsInMemory(self.per_document_reader(), self.doc_count())
        fieldwriter, postings = self.fieldwriter, self.pool.postings
        in_field = None
        for fieldname, term in sorted(postings):
            if fieldname != in_field:
                if in_field is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, self.schema[fieldname])
                in_field, length_of = fieldname, lengths.of_field(fieldname)
            fieldwriter.start_term(term)
            add = fieldwriter.add
            for docnum, weight, value in postings[(fieldname, term)]:
                add(docnum, weight, value or b"", length_of[docnum])
            fieldwriter.finish_term()
        if in_field is not None:
            fieldwriter.finish_field()
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


def _write_in_processes(ix, ranges: list[ArticleRange], progress, processes: int):
    """Write the ranges in `processes` forked processes, each range by one; their segments in any order."""
    context = multiprocessing.get_context("fork")
    reports = context.Queue()
    connections.close_all()  # each process opens its own; a connection must not cross a fork
    workers = [
        context.Process(
            target=_writing_process,
            args=(ix, ranges[number::processes], reports, os.getpid()),
            name=f"pressroom-segment-writer-{number}",
            daemon=True,
        )
        for number in range(processes)
    ]
    for worker in workers:
        worker.start()
    written, finished = [], 0
    try:
        while finished < len(workers):
            try:
                kind, value = reports.get(timeout=1.0)
            except queue.Empty:
                if any(worker.exitcode not in (None, 0) for worker in workers):
                    raise RebuildFailed("a process writing the new index died") from None
                continue
            if kind == "written":
                progress(value)
            elif kind == "segment":
                written.append(value)
            elif kind == "done":
                finished += 1
            else:
                raise RebuildFailed(f"a process writing the new index failed: {value}")
    finally:
        for worker in workers:
            if worker.is_alive() and finished < len(workers):
                worker.terminate()
            worker.join()
    return written


def _writing_process(ix, ranges, reports, parent_pid: int) -> None:
    try:
        for article_range in ranges:
            number, segment = _write_range(
                ix, article_range, lambda written: reports.put(("written", written)), parent_pid
            )
            reports.put(("segment", (number, segment)))
        reports.put(("done", None))
    except BaseException:
        reports.put(("failed", traceback.format_exc(limit=5)))
    finally:
        connections.close_all()
        reports.close()
        reports.join_thread()
