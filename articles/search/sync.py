"""Keeping the index a faithful copy of the database, by following the change log.

Every change to an article records an entry in the change log in the same transaction (see
`articles/signals.py` and `change_log.py`). After the commit, `apply_pending_updates` takes
the index's write lock, reads the entries after the index's cursor, re-reads each of their
articles from the database and writes it (or its removal), and moves the cursor. Nothing is
consumed: every index on every node follows the same log. A process that dies half-way
leaves the cursor behind for the next writer; applying an entry twice is harmless because
the database, not the entry, says what the document is.
"""

import logging
import multiprocessing
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connections, transaction
from whoosh.index import LockError
from whoosh.util.filelock import FileLock

from ..models import Article, IndexChange
from .article_writer import merge_small_segments
from .change_log import (
    Position,
    entries_after,
    is_settled,
    record_change,
    record_changes,
    settled_before,
    settled_position,
)
from .cursors import Cursor, read_cursor, write_cursor
from .damage import IndexUnavailable
from .generations import (
    create_generation,
    current_generation,
    index_root,
    make_current,
    remove_replaced_generations,
)
from .process_index import discard_writer, live_writer
from .schema import article_to_document
from .segment_writing import write_archive

logger = logging.getLogger(__name__)

# How long a command waits for another process to finish its commit. Web requests do not
# wait: what they cannot write now is written by whichever process holds the lock, or by
# the catch-up thread of a web worker (`catchup.py`) within a second.
COMMAND_LOCK_TIMEOUT_SECONDS = 60.0
BATCH_SIZE = 1000
WRITER_POLL_SECONDS = 0.2
REBUILD_LOCK = ".rebuild.lock"


_deferring = threading.local()


@contextmanager
def index_written_beside():
    """Within this block (a bulk import), changes record what the index owes, and a forked
    process writes it as each transaction commits while this one goes on importing: the two
    cores share the work. On leaving, the writer applies what is left and stops.

    Only for processes without other threads (commands, the task worker): fork copies one thread.
    """
    stop = multiprocessing.get_context("fork").Event()
    connections.close_all()  # the writer opens its own; a connection must not cross a fork
    writer = multiprocessing.get_context("fork").Process(
        target=_write_until_stopped, args=(stop, os.getpid()), name="pressroom-index-writer", daemon=True
    )
    writer.start()
    _deferring.active = True
    try:
        yield
    finally:
        _deferring.active = False
        stop.set()
        writer.join()


def _write_until_stopped(stop, parent_pid: int) -> None:
    try:
        while os.getppid() == parent_pid:  # an importer killed outright takes its writer with it
            written = apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
            if not written:
                if stop.is_set():
                    return
                stop.wait(WRITER_POLL_SECONDS)
    except Exception:  # what is left stays in the log; the importer applies it when it finishes
        logger.exception("the index writer beside an import stopped")
    finally:
        connections.close_all()


def schedule_index_update(article_id: int, kind: str = IndexChange.Kind.SAVED) -> None:
    """Record the change in the log, and apply it to this node's index after commit."""
    record_change(article_id, kind)
    if not getattr(_deferring, "active", False) and not _already_due_after_commit():
        # robust: the change is committed and stays in the log, so an index failure is
        # logged for the operator instead of failing the request that made the change.
        transaction.on_commit(apply_pending_updates, robust=True)


def record_index_changes(article_ids) -> None:
    """Record in the log that these articles changed, without applying them here: for a bulk
    import, whose thousands a rebuild indexes faster (the other nodes follow the log)."""
    record_changes(article_ids)


def _already_due_after_commit() -> bool:
    """One run after commit applies every entry, so a bulk import registers it once, not per row.

    Django drops callbacks registered inside a savepoint that rolls back, so a later
    change in the same transaction finds none here and registers it again.
    """
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        callback is apply_pending_updates for _, callback, _ in connection.run_on_commit
    )


@dataclass(frozen=True)
class Step:
    """Entries an index has yet to apply, and its cursor once they are."""

    entries: list
    cursor: Cursor
    more: bool  # entries beyond these wait for the next step

    def changes(self, cursor: Cursor) -> bool:
        return bool(self.entries) or self.cursor != cursor


def next_step(cursor: Cursor, horizon: int | None) -> Step:
    """The entries after the cursor it has not applied (up to BATCH_SIZE), given the oldest transaction
    still running (`settled_before`), and how far the cursor may move once they are applied."""
    entries, position, all_settled, more = [], cursor.position, True, False
    for entry in entries_after(cursor.position):
        at = Position.of(entry)
        if at not in cursor.ahead:
            if len(entries) == BATCH_SIZE:
                more = True
                break
            entries.append(entry)
        # The position moves only over settled entries, each applied now or before.
        all_settled = all_settled and is_settled(at, horizon)
        if all_settled:
            position = at
    ahead = {at for at in cursor.ahead | {Position.of(entry) for entry in entries} if at > position}
    return Step(entries, Cursor(position, frozenset(ahead)), more)


def has_work(generation: Path) -> bool:
    """Whether this generation's index has entries to apply or a cursor to move (a glance: no lock)."""
    cursor = read_cursor(generation)
    return next_step(cursor, settled_before()).changes(cursor)


def apply_pending_updates(lock_timeout: float = 0.0) -> int:
    """Apply every entry of the change log the live index lacks; returns how many articles were written.

    With the lock held elsewhere (after `lock_timeout` seconds), the entries wait: the holder
    looks for more before it lets go, and the catch-up threads pick up the rest.
    """
    applied = 0
    while True:
        generation = current_generation()
        if generation is not None and not has_work(generation):
            return applied
        try:
            writer = live_writer(lock_timeout)
        except IndexUnavailable:
            logger.warning("index updates left pending: the index is missing; run `manage.py rebuild_index`")
            return applied
        except LockError:
            logger.debug("index updates left pending: another process holds the index write lock")
            return applied
        written, more = _apply_step(writer, Path(writer.storage.folder))
        applied += written
        if not more:
            return applied


def _apply_step(writer, generation: Path) -> tuple[int, bool]:
    """Apply the next step to this writer's index and move its cursor; returns (articles written, more)."""
    with _lock_kept_until_cursor_written(writer):
        cursor = read_cursor(generation)
        step = next_step(cursor, settled_before())
        article_ids = {entry.article_id for entry in step.entries}
        try:
            if article_ids:
                _write_articles(writer, article_ids)
                writer.commit(mergetype=merge_small_segments)
            else:
                writer.cancel()
        except BaseException:
            discard_writer(writer)
            raise
        # Only now are the entries applied; dying before this line means a harmless replay.
        if step.cursor != cursor:
            write_cursor(generation, step.cursor)
    return len(article_ids), step.more


@contextmanager
def _lock_kept_until_cursor_written(writer):
    """Whoosh lets go of its write lock as it commits; the next writer must find the cursor moved."""
    lock, writer.writelock = writer.writelock, None
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


# From this many articles a step, the index's highest article id is looked up (once a segment per
# process), so that articles above it are added without asking every segment whether it holds them.
MANY_ARTICLES = 100


def _write_articles(writer, article_ids) -> None:
    articles = Article.objects.public().filter(pk__in=article_ids).prefetch_related("country_tags")
    highest = _highest_indexed_id(writer) if len(article_ids) >= MANY_ARTICLES else None
    found = set()
    for article in articles:
        document = article_to_document(article)
        if highest is not None and article.pk > highest:  # new to the index: no older copy to delete
            writer.add_document(**document)
        else:
            writer.update_document(**document)
        found.add(article.pk)
    for deleted_id in article_ids - found:  # deleted, withdrawn or merged: readers no longer find it
        writer.delete_by_term("id", str(deleted_id))


def _highest_indexed_id(writer) -> int:
    """The highest article id any segment of the writer's index holds, deleted documents' too.

    Finding whether a segment holds an id costs a lookup in each segment (at a million releases,
    50 of them, a fifth of an import's writing). Articles' ids only grow, so one above this is in
    none; a replayed step finds the ids it wrote in the segment it committed, and updates them.
    """
    highest = 0
    for reader, _ in writer.searcher().reader().leaf_readers():
        segment = reader.segment()
        if segment is None:
            continue
        key = segment.segment_id()
        if key not in _highest_in_segment:
            _highest_in_segment[key] = max((int(term) for term in reader.lexicon("id")), default=0)
        highest = max(highest, _highest_in_segment[key])
    return highest


_highest_in_segment: dict[str, int] = {}  # segments never change: their ids are read once per process


def rebuild_index(progress=None, processes: int = 1, wait: bool = True) -> int | None:
    """Build a fresh index from the database beside the live one, then swap it in; returns its size.

    `processes` > 1 writes the documents in that many forked processes (commands only).

    The live index goes on following the change log meanwhile. The new one starts at a
    position every change it reads lies before; the entries after it, committed while the
    database was read, are applied to it before it goes live. One rebuild at a time on a
    node: without `wait`, a rebuild already under way is left to finish and None is returned.
    """
    index_root().mkdir(parents=True, exist_ok=True)
    rebuilding = FileLock(str(index_root() / REBUILD_LOCK))
    if not rebuilding.acquire(blocking=wait):
        return None
    try:
        start = settled_position()
        path, ix = create_generation()
        count = write_archive(ix, progress, processes)
        write_cursor(path, Cursor(start))
        while _apply_step(ix.writer(compound=False), path)[1]:
            pass  # what was committed while the database was read
        make_current(path)
    finally:
        remove_replaced_generations()
        rebuilding.release()
    apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
    return count
