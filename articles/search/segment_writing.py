"""Writing every article of the archive into a new index, a segment at a time, on every core.

A rebuild used Whoosh's multiprocessing writer: one process read the database and built every
document while its helpers analysed them, and the helpers' postings were merged into one
segment at the end, a posting at a time in one process. Here each process reads its own
ranges of articles from the database and writes each range as a segment of its own with
Whoosh's segment writer, and the new index lists the segments side by side: nothing is
merged, and the database, the documents and the postings are spread over every core.

From Whoosh's writer this uses what its own multiprocessing writer uses: a segment writer
without the index lock (`_lk=False`, the process that starts the others holds it), and
`_finalize_segment` to close a segment without writing a table of contents. The writer is
`ArticleWriter`, which live updates use too.
"""

import logging
import math
import multiprocessing
import os
import queue
import traceback
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from ..models import Article
from .arrays import save_segment_arrays
from .article_writer import ArticleWriter
from .schema import article_to_document

logger = logging.getLogger(__name__)

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
    writer = ArticleWriter(ix, _lk=False, compound=False)
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
    segment = writer._finalize_segment()
    save_segment_arrays(ix, segment)  # here, on every core, rather than in each web worker's first search
    return article_range.number, segment


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
