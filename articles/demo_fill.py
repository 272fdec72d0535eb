"""Filling an archive with demo releases fast: written and prepared in worker processes, stored in bulk.

The release numbers are dealt to the workers a chunk at a time; each writes its chunk's texts
(`demo.py`), parses them and finds their countries (`bulk_import.prepare_release`), while this
process stores the chunks in their order, a transaction each. The same seed and numbers give
the same archive, whatever the number of processes.
"""

import multiprocessing
from collections import deque

from django.db import connections

from .bulk_import import BulkOutcome, prepare_release, store_releases
from .demo import demo_release_text

CHUNK_SIZE = 1000
# Chunks prepared ahead of the one being stored, per worker: enough to keep the workers busy,
# few enough that a slow disk does not fill the memory with waiting releases.
CHUNKS_AHEAD_PER_WORKER = 2


def fill_with_demo_releases(
    count: int, *, seed: int, start: int = 1, processes: int = 1, progress=None
) -> BulkOutcome:
    """Store demo releases number `start` to `start + count - 1` of `seed`, as importing them would.

    `processes` 1 prepares them in this process (tests); more forks that many workers (commands only:
    fork copies one thread, and this process's database connections are closed first).
    """
    chunks = [
        (seed, first, min(CHUNK_SIZE, start + count - first))
        for first in range(start, start + count, CHUNK_SIZE)
    ]
    outcome = BulkOutcome()
    for releases in _prepared_chunks(chunks, processes):
        outcome.add(store_releases(releases))
        if progress:
            progress(len(releases))
    return outcome


def _prepared_chunks(chunks, processes: int):
    """Each chunk's prepared releases, in the chunks' order."""
    if processes == 1:
        yield from map(_prepared_chunk, chunks)
        return
    if chunks:
        # The vocabulary and the gazetteer, read before the fork, are shared by every worker.
        prepare_release(demo_release_text(chunks[0][0], chunks[0][1]))
    connections.close_all()  # a connection must not cross a fork; this process opens a new one
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        waiting, to_deal = deque(), iter(chunks)
        for chunk in to_deal:
            waiting.append(pool.apply_async(_prepared_chunk, (chunk,)))
            if len(waiting) >= processes * CHUNKS_AHEAD_PER_WORKER:
                yield waiting.popleft().get()
        while waiting:
            yield waiting.popleft().get()


def _prepared_chunk(chunk: tuple[int, int, int]):
    seed, first, count = chunk
    return [prepare_release(demo_release_text(seed, number)) for number in range(first, first + count)]
