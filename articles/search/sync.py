"""Keeping the index a faithful copy of the database.

Every change to an article records a PendingIndexUpdate in the same transaction (see
`articles/signals.py`). After the commit, `apply_pending_updates` takes the index's write
lock, re-reads each owed article from the database and writes it (or its removal), then
deletes the rows it applied. A process that dies half-way leaves the rows behind for the
next writer; applying a row twice is harmless because the database, not the row, says
what the document is.
"""

import logging
import multiprocessing
import os
import threading
from contextlib import contextmanager

from django.db import connections, transaction
from whoosh.index import LockError

from ..models import Article, PendingIndexUpdate
from .damage import IndexUnavailable
from .generations import create_generation, current_generation, make_current, remove_replaced_generations
from .process_index import discard_writer, live_writer
from .schema import article_to_document

logger = logging.getLogger(__name__)

# How long a command waits for another process to finish its commit. Web requests do not
# wait: what they cannot write now is written by whichever process holds the lock, or by
# the catch-up thread of a web worker (`catchup.py`) within a second.
COMMAND_LOCK_TIMEOUT_SECONDS = 60.0
BATCH_SIZE = 1000
WRITER_POLL_SECONDS = 0.2


_deferring = threading.local()


@contextmanager
def index_written_beside():
    """Within this block (a bulk import), changes record what the index owes, and a forked
    process writes it as each transaction commits while this one goes on importing: the two
    cores share the work. On leaving, the writer finishes what is owed and stops.

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
    except Exception:  # what is left stays owed; the importer writes it when it finishes
        logger.exception("the index writer beside an import stopped")
    finally:
        connections.close_all()


def schedule_index_update(article_id: int) -> None:
    """Record that the index owes an update for this article, and apply it after commit."""
    PendingIndexUpdate.objects.create(article_id=article_id)
    if not getattr(_deferring, "active", False) and not _already_due_after_commit():
        # robust: the change is committed and its update stays owed, so an index failure
        # is logged for the operator instead of failing the request that made the change.
        transaction.on_commit(apply_pending_updates, robust=True)


def _already_due_after_commit() -> bool:
    """One run after commit pays every debt, so a bulk import registers it once, not per row.

    Django drops callbacks registered inside a savepoint that rolls back, so a later
    change in the same transaction finds none here and registers it again.
    """
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        callback is apply_pending_updates for _, callback, _ in connection.run_on_commit
    )


def apply_pending_updates(lock_timeout: float = 0.0) -> int:
    """Apply every owed index update; returns how many articles were written.

    With the lock held elsewhere (after `lock_timeout` seconds), the updates stay owed: the
    holder looks for more before it lets go, and the catch-up threads pick up the rest.
    """
    applied = 0
    while batch := list(PendingIndexUpdate.objects.order_by("id")[:BATCH_SIZE]):
        try:
            writer = live_writer(lock_timeout)
        except IndexUnavailable:
            logger.warning("index updates left pending: the index is missing; run `manage.py rebuild_index`")
            break
        except LockError:
            logger.debug("index updates left pending: another process holds the index write lock")
            break
        article_ids = {row.article_id for row in batch}
        try:
            _write_articles(writer, article_ids)
        except BaseException:
            discard_writer(writer)
            raise
        writer.commit()
        # Only now is the debt paid; dying before this line means a harmless replay.
        PendingIndexUpdate.objects.filter(id__in=[row.id for row in batch]).delete()
        applied += len(article_ids)
    return applied


def _write_articles(writer, article_ids) -> None:
    articles = Article.objects.public().filter(pk__in=article_ids).prefetch_related("country_tags")
    found = set()
    for article in articles:
        writer.update_document(**article_to_document(article))
        found.add(article.pk)
    for deleted_id in article_ids - found:  # deleted, withdrawn or merged: readers no longer find it
        writer.delete_by_term("id", str(deleted_id))


def rebuild_index(progress=None, processes: int = 1) -> int:
    """Build a fresh index from the database beside the live one, then swap it in.

    `processes` > 1 analyses the documents in that many forked writer processes (commands only).

    The live index's write lock is held throughout, so updates that arrive meanwhile stay
    pending and are applied to the new index once it is live.
    """
    old_writer = _lock_live_index()
    try:
        last_owed = PendingIndexUpdate.objects.order_by("-id").values_list("id", flat=True).first()
        path, ix = create_generation()
        options = {"limitmb": 256, "compound": False}
        if processes > 1:
            options.update(procs=processes, subargs={"limitmb": 256 // processes, "compound": False})
        writer = ix.writer(**options)
        count = 0
        articles = Article.objects.public().order_by("pk").prefetch_related("country_tags")
        for article in articles.iterator(chunk_size=2000):
            writer.add_document(**article_to_document(article))
            count += 1
            if progress:
                progress(1)
        writer.commit()
        make_current(path)
        if last_owed is not None:
            PendingIndexUpdate.objects.filter(id__lte=last_owed).delete()
    finally:
        if old_writer is not None:
            discard_writer(old_writer)
        remove_replaced_generations()
    apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
    return count


def _lock_live_index():
    if current_generation() is None:
        return None
    try:
        return live_writer(COMMAND_LOCK_TIMEOUT_SECONDS)
    except IndexUnavailable:
        return None
