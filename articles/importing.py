"""Import batches: files in, one recorded outcome per release out, nothing lost or doubled.

A batch is recorded first (with its files kept as uploaded), then processed, usually in
the background by the task worker. Releases are written in chunks, each chunk one
transaction, so the batch page can show progress and a crash loses at most the chunk in
flight; processing a batch again skips the releases it has already recorded, and its
counters are always the recorded outcomes counted, never sums a second run could double.

Nothing a sender wrote stops a batch: a file or release that cannot be read or stored,
for any reason, becomes a failed outcome with that reason, and a batch always ends done,
or failed with the reason it stopped. A batch whose worker died is queued again
(`resume_unfinished_batches`, called by the worker, see worker.py).
"""

import dataclasses
import datetime
import itertools
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.db.models.functions import Coalesce, Greatest, Now
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .harvesting.hints import country_hints, with_hints
from .ingest.countries import CountryMention, find_countries
from .ingest.errors import RejectedArticle
from .ingest.formats import ImportLimits, ReadArticle, read_articles
from .made_beside import made_beside
from .models import ImportBatch, ImportFile, ImportItem
from .new_releases import KnownReleases, NewRelease, is_simple, store_new_releases
from .search import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates, index_written_beside
from .services import article_import, parsed_fingerprint, stored_texts

logger = logging.getLogger(__name__)

# A transaction holds SQLite's write lock from its first statement, and every other writer
# (the admin, the task worker looking for work) waits for it. So the slow part of a release,
# finding its countries, is done before the transaction, and a transaction commits after
# CHUNK_SECONDS of writing even if it has written fewer than CHUNK_SIZE releases.
CHUNK_SIZE = 500
CHUNK_SECONDS = 2.0
# Releases are written a group at a time (new ones together, see new_releases.py): small enough
# that CHUNK_SECONDS is kept to, large enough that a group costs a few statements, not a few per release.
GROUP_SIZE = 100
# The batch page's total grows as files are read, written at most this often (not once a file).
TOTAL_SECONDS = 1.0
MAX_ATTEMPTS = 5
# A single upload is processed by the web request that received it, which gunicorn ends after
# 30 s (gunicorn.conf.py). One left unfinished for longer lost its request, on whichever node.
REQUEST_LAPSE = datetime.timedelta(minutes=2)
Outcome = ImportItem.Outcome


def import_limits() -> ImportLimits:
    return ImportLimits(
        max_file_bytes=settings.PRESSROOM_MAX_UPLOAD_BYTES,
        max_article_bytes=settings.PRESSROOM_MAX_RELEASE_BYTES,
        max_archive_members=settings.PRESSROOM_MAX_ARCHIVE_MEMBERS,
        max_uncompressed_bytes=settings.PRESSROOM_MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.PRESSROOM_MAX_COMPRESSION_RATIO,
        earliest_published=datetime.date(settings.PRESSROOM_EARLIEST_YEAR, 1, 1),
        latest_published=datetime.date.today()
        + datetime.timedelta(days=settings.PRESSROOM_LATEST_DAYS_AHEAD),
    )


def batch_from_uploads(*, uploads, user, queue=True) -> ImportBatch:
    """Record an admin upload, keeping each file as it arrived, and queue it for processing."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(created_by=user, origin="admin upload")
        for upload in uploads:
            stored = ImportFile(batch=batch, name=Path(upload.name).name[:255], size=upload.size)
            stored.upload.save(stored.name, upload, save=False)
            stored.save()
        if queue:
            transaction.on_commit(lambda: process_import_batch.enqueue(batch.pk))
    return batch


def batch_again(batch: ImportBatch, *, user) -> ImportBatch:
    """A new batch over the same kept files.

    It retries releases that failed for a reason since removed (a limit, say).
    """
    with transaction.atomic():
        again = ImportBatch.objects.create(
            created_by=user, origin=f"again from batch {batch.pk}"[:40], harvest_source=batch.harvest_source
        )
        ImportFile.objects.bulk_create(
            ImportFile(
                batch=again,
                name=kept.name,
                upload=kept.upload.name,
                path=kept.path,
                size=kept.size,
                url=kept.url,
                fetch_failure=kept.fetch_failure,
            )
            for kept in batch.files.all()
        )
        transaction.on_commit(lambda: process_import_batch.enqueue(again.pk))
    return again


def batch_from_paths(paths: list[Path]) -> ImportBatch:
    """Record a command-line import of files on disk (read where they are, not copied)."""
    batch = ImportBatch.objects.create(origin="command line")
    ImportFile.objects.bulk_create(
        ImportFile(batch=batch, name=path.name[:255], path=str(path.resolve()), size=path.stat().st_size)
        for path in paths
    )
    return batch


@task()
def process_import_batch(batch_id: int) -> str:
    """The background task: process a queued batch."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if not batch.in_progress:  # queued twice (a resume), and the first run finished it
        return batch.summary()
    return process_batch(batch, index_beside=settings.PRESSROOM_INDEX_BESIDE_IMPORTS).summary()


def resume_unfinished_batches() -> list[ImportBatch]:
    """Queue again each batch the task worker took on and left unfinished (its worker died, or the
    database refused to record its end), unless a task for it is queued or running still.

    An upload a web request was processing is taken on too once it is older than REQUEST_LAPSE:
    with several nodes, a node starting cannot know whether another's request is still at it.
    Command-line batches are their command's. A batch that keeps stopping its worker is not
    queued for ever: after MAX_ATTEMPTS it ends failed.
    """
    with transaction.atomic():
        # Two nodes starting at once on PostgreSQL: each batch's row is locked by the node that
        # resumes it, and the other passes it by, so no batch is queued twice (SQLite: one writer).
        unfinished = {
            batch.pk: batch
            for batch in ImportBatch.objects.in_progress()
            .exclude(origin="command line")
            .select_for_update(skip_locked=True)
        }
        return _resume(unfinished)


def _resume(unfinished: dict[int, ImportBatch]) -> list[ImportBatch]:
    resumed = []
    for pk, statuses in _task_statuses(unfinished).items():
        if _left_alone(statuses, unfinished[pk]):
            continue
        if len(statuses) >= MAX_ATTEMPTS:
            _give_up(unfinished[pk], attempts=len(statuses))
            continue
        logger.warning(
            "import batch %s was left unfinished; queued again (attempt %s)", pk, len(statuses) + 1
        )
        process_import_batch.enqueue(pk)
        resumed.append(unfinished[pk])
    return resumed


def _task_statuses(batches: dict[int, ImportBatch]) -> dict[int, list[str]]:
    """By batch id, the status of each task the batch was queued as (none: it never was)."""
    attempts = {pk: [] for pk in batches}
    tasks = DBTaskResult.objects.filter(
        task_path=process_import_batch.module_path, args_kwargs__args__0__in=list(batches)
    )
    for batch_id, status in tasks.values_list("args_kwargs__args__0", "status"):
        attempts[batch_id].append(status)
    return attempts


def _left_alone(statuses: list[str], batch: ImportBatch) -> bool:
    """Whether an unfinished batch is left alone: a task for it is queued or running, or it was
    never queued (a web request's upload) and its request may still be processing it."""
    if TaskResultStatus.READY in statuses or TaskResultStatus.RUNNING in statuses:
        return True
    return not statuses and batch.created > timezone.now() - REQUEST_LAPSE


def _give_up(batch: ImportBatch, *, attempts: int) -> None:
    """End failed a batch that has stopped its worker `attempts` times, rather than queue it for ever."""
    logger.error("import batch %s stopped %s times; it is given up", batch.pk, attempts)
    _finish(
        batch,
        ImportBatch.Status.FAILED,
        failure=(
            f"Processing stopped {attempts} times before the end (see the log). "
            "The releases recorded so far stay; importing the batch again retries the others."
        ),
    )


def process_batch(
    batch: ImportBatch,
    progress: Callable[[int], None] | None = None,
    index_lock_timeout: float = COMMAND_LOCK_TIMEOUT_SECONDS,
    index_beside: bool = False,
) -> ImportBatch:
    """Import every release of every file of the batch, recording each outcome; the batch ends
    done, or failed with the reason (logged) when something other than a release stopped it.

    Processes without other threads (the task worker, commands) may pass `index_beside` to
    have a forked process write the index (sync.py), and, in a process of one thread (a command),
    another read the files, parse them and find their countries (made_beside.py), while this one stores.

    At the end it waits up to `index_lock_timeout` to make the releases searchable; a web
    request passes 0 and leaves what it cannot write to the catch-up.
    """
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, started=Coalesce("started", Now())
    )
    try:
        _record_outcomes(batch, progress, index_beside)
    except Exception as error:  # the database went away, say: the batch ends failed, not Running
        logger.exception("import batch %s stopped", batch.pk)
        _finish(
            batch,
            ImportBatch.Status.FAILED,
            failure=(
                f"Processing stopped ({type(error).__name__}); it has been logged. "
                "The releases recorded so far stay; importing the batch again retries the others."
            ),
        )
    else:
        _finish(batch, ImportBatch.Status.DONE)
        apply_pending_updates(index_lock_timeout)
    batch.refresh_from_db()
    return batch


def _record_outcomes(batch: ImportBatch, progress, index_beside: bool) -> None:
    _count_outcomes(batch)  # a run that stopped may have left counters behind its records
    hints = country_hints(batch)
    limits = import_limits()

    def prepared(note) -> Iterator[_Prepared]:
        return _prepared_in_chunks(batch, _unrecorded_articles(batch, limits, note), hints)

    def show_total(found: tuple[int, bool]) -> None:
        _show_total(batch, *found)

    # Chunks span files, so a folder of one-release files is still written in few commits.
    with index_written_beside() if index_beside else nullcontext():
        # Beside the index writer, the releases are read and their countries found in a process
        # of their own too: this one only writes, and the three share the cores.
        # Only where this is the process's one thread (the command): the task worker's heartbeat
        # thread, copied half-way by a fork, has been seen to leave the reader stuck.
        alone = threading.active_count() == 1
        releases = (
            made_beside(prepared, on_note=show_total) if index_beside and alone else prepared(show_total)
        )
        with closing(releases):
            # Chunk by chunk searchable: each commit's updates are written beside, or after it here.
            for written in _write_in_chunks(batch, releases):
                if progress:
                    progress(written)


def _finish(batch: ImportBatch, status: str, failure: str = "") -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, failure=failure, finished=timezone.now())


@dataclass(frozen=True)
class _Prepared:
    """A release made ready to store outside any transaction, or its failure."""

    source: ImportFile
    position: int
    read_article: ReadArticle
    mentions: list[CountryMention] | None = None
    failure: str = ""
    fingerprint: str = ""


def _unrecorded_articles(
    batch: ImportBatch, limits: ImportLimits, note: Callable[[tuple[int, bool]], None]
) -> Iterator[tuple[ImportFile, int, ReadArticle]]:
    """(file, position, ReadArticle) for each release not yet recorded; the total grows as files are
    read: `note((found, final))` is told how many releases the files read so far hold (`_show_total`)."""
    found = 0
    recorded = defaultdict(set)  # processing a batch again resumes where it stopped
    for source_id, position in batch.items.values_list("source_file_id", "position"):
        recorded[source_id].add(position)
    total_shown = time.monotonic()
    for source in batch.files.order_by("pk"):
        in_file = _articles_in(source, limits)
        found += len(in_file)
        if time.monotonic() - total_shown > TOTAL_SECONDS:  # a write a file would be a commit a file
            note((found, False))
            total_shown = time.monotonic()
        done = recorded[source.pk]
        for position, read_article in enumerate(in_file):
            if position not in done:
                yield source, position, read_article
    note((found, True))


def _show_total(batch: ImportBatch, found: int, final: bool) -> None:
    # Greatest: a resumed batch shows the total its first run found until this run has read as far.
    ImportBatch.objects.filter(pk=batch.pk).update(total=found if final else Greatest("total", found))


def _articles_in(source: ImportFile, limits: ImportLimits) -> list[ReadArticle]:
    """The file's releases; a file rejected whole counts as one failed release, and a file whose
    reading fails part way keeps the releases read before the failure."""
    if source.fetch_failure:  # a harvested page that could not be fetched
        return [ReadArticle(source.url, error=source.fetch_failure)]
    articles = []
    try:
        articles.extend(read_articles(source.name, source.read(), limits))
    except RejectedArticle as error:
        articles.append(ReadArticle("", error=str(error)))
    except OSError as error:
        logger.exception("import file %s of batch %s could not be read", source.pk, source.batch_id)
        articles.append(ReadArticle("", error=f"The stored file could not be read ({error.strerror})."))
    except Exception as error:  # a reader's defect must cost this file, never the batch
        logger.exception(
            "import file %s of batch %s: reading failed after %s releases",
            source.pk,
            source.batch_id,
            len(articles),
        )
        articles.append(
            ReadArticle(
                "",
                error=(
                    f"Pressroom could not read {'the rest of ' if articles else ''}this file "
                    f"({type(error).__name__}); "
                    "it has been logged."
                ),
            )
        )
    return [_at_address(article, source.url) for article in articles] if source.url else articles


def _at_address(read_article: ReadArticle, url: str) -> ReadArticle:
    """A harvested page's release, named by the address it was fetched from unless it names itself
    by an address on the same site: a page may not claim, by its canonical URL, to be another site's
    release, and so rewrite it."""
    parsed = read_article.parsed
    if parsed is not None and not _on_site(parsed.identifier, url):
        source_url = parsed.source_url if _on_site(parsed.source_url, url) else url
        parsed = dataclasses.replace(parsed, identifier=url, source_url=source_url)
    return ReadArticle(read_article.location or url, parsed, read_article.error)


def _on_site(address: str, url: str) -> bool:
    """Whether `address` is a web address on the site (host and port, with or without "www.") of `url`."""

    def site(text: str) -> tuple[str, int | None]:
        parts = urlsplit(text)
        return (parts.hostname or "").removeprefix("www."), parts.port

    try:
        return address.startswith(("http://", "https://")) and site(address) == site(url)
    except ValueError:  # a malformed port or IPv6 address
        return False


def _prepared_in_chunks(
    batch: ImportBatch, found: Iterator[tuple[ImportFile, int, ReadArticle]], hints: tuple[str, ...]
) -> Iterator[_Prepared]:
    """Each release prepared (`_prepared`), the texts already stored looked up a chunk at a time."""
    while chunk := list(itertools.islice(found, CHUNK_SIZE)):
        fingerprints = {
            id(read_article): parsed_fingerprint(read_article.parsed)
            for _, _, read_article in chunk
            if not read_article.error
        }
        stored = stored_texts(fingerprints.values())
        for source, position, read_article in chunk:
            fingerprint = fingerprints.get(id(read_article), "")
            yield _prepared(batch, source, position, read_article, hints, fingerprint, stored)


def _prepared(
    batch: ImportBatch,
    source: ImportFile,
    position: int,
    read_article: ReadArticle,
    hints: tuple[str, ...],
    fingerprint: str,
    stored: set[tuple[str, str | None]],
) -> _Prepared:
    """The release with its countries found (the slow part), before any transaction begins; a harvested
    release whose text names none has its source's (`hints`, harvesting/hints.py). `stored`: the
    (fingerprint, identifier) of stored texts, of which a release with its countries not needed."""
    if read_article.error:
        return _Prepared(source, position, read_article, failure=read_article.error)
    parsed = read_article.parsed
    if (fingerprint, parsed.identifier or None) in stored:  # unchanged: its countries are not needed
        return _Prepared(source, position, read_article, fingerprint=fingerprint)
    try:
        mentions = with_hints(find_countries(parsed.title, parsed.body), hints)
    except Exception as error:
        logger.exception(
            "batch %s: the countries of the release at %r could not be found", batch.pk, read_article.location
        )
        return _Prepared(source, position, read_article, failure=_unexpected(error))
    return _Prepared(source, position, read_article, mentions=mentions, fingerprint=fingerprint)


def _write_in_chunks(batch: ImportBatch, prepared: Iterable[_Prepared]) -> Iterator[int]:
    """Record the releases, a transaction at a time; yields how many each transaction wrote."""
    prepared = iter(prepared)
    pending: deque[_Prepared] = deque()
    while True:
        while len(pending) < CHUNK_SIZE and (ready := next(prepared, None)):
            pending.append(ready)
        if not pending:
            return
        yield _write_chunk(batch, pending)


def _write_chunk(batch: ImportBatch, pending: deque[_Prepared]) -> int:
    """Record releases from the left of `pending`, in one transaction.

    It records for up to CHUNK_SECONDS, and one group of releases at least.
    """
    written = 0
    with transaction.atomic():
        deadline = time.monotonic() + CHUNK_SECONDS
        while pending and (not written or time.monotonic() < deadline):
            group = [pending.popleft() for _ in range(min(GROUP_SIZE, len(pending)))]
            outcomes = _import_group(group, batch)
            ImportItem.objects.bulk_create(
                ImportItem(
                    batch=batch,
                    source_file=ready.source,
                    position=ready.position,
                    location=_storable(ready.read_article.location)[:500],
                    outcome=outcome,
                    reason=_storable(reason),
                    article=article,
                )
                for ready, (outcome, reason, article) in zip(group, outcomes, strict=True)
            )
            written += len(group)
        _count_outcomes(batch)
    return written


def _import_group(group: list[_Prepared], batch: ImportBatch) -> list[tuple]:
    """The outcome of each release of the group, in order: those new beyond doubt stored together
    (new_releases.py), each other one alone, after those before it."""
    known = KnownReleases(
        [(ready.read_article.parsed, ready.fingerprint) for ready in group if not ready.failure]
    )
    outcomes: list[tuple] = []
    together: list[_Prepared] = []
    for ready in group:
        if ready.failure:
            outcomes.append((Outcome.FAILED, ready.failure, None))
            continue
        parsed = ready.read_article.parsed
        if known.is_new(parsed, ready.fingerprint) and ready.mentions is not None and is_simple(parsed):
            together.append(ready)
            outcomes.append(None)  # filled in when they are stored
            continue
        _fill(outcomes, _store_together(together, batch))
        together = []
        outcomes.append(_import_one(ready, batch))
    _fill(outcomes, _store_together(together, batch))
    return outcomes


def _fill(outcomes: list, stored: list[tuple]) -> None:
    """Put the outcomes of releases stored together into the places left for them."""
    places = iter(stored)
    for place, outcome in enumerate(outcomes):
        if outcome is None:
            outcomes[place] = next(places)


def _store_together(together: list[_Prepared], batch: ImportBatch) -> list[tuple]:
    """Store new releases in one savepoint; should that fail, each half so, down to a release alone,
    which fails with its own reason (`_import_one`) and never takes its neighbours with it."""
    if len(together) <= 1:
        return [_import_one(ready, batch) for ready in together]
    try:
        with transaction.atomic():
            results = store_new_releases(
                [
                    NewRelease(ready.read_article.parsed, ready.fingerprint, ready.mentions)
                    for ready in together
                ],
                batch=batch,
            )
    except Exception:  # one of them is refused: which one, halving finds in a few tries
        logger.debug(
            "batch %s: %s new releases could not be stored together", batch.pk, len(together), exc_info=True
        )
        half = len(together) // 2
        return _store_together(together[:half], batch) + _store_together(together[half:], batch)
    return [(result.outcome, result.reason, result.article) for result in results]


def _count_outcomes(batch: ImportBatch) -> None:
    """The batch's counters from its recorded outcomes."""
    counts = dict(batch.items.order_by().values_list("outcome").annotate(Count("pk")))
    ImportBatch.objects.filter(pk=batch.pk).update(
        processed=sum(counts.values()),
        created_count=counts.get(Outcome.CREATED, 0),
        updated_count=counts.get(Outcome.UPDATED, 0),
        unchanged_count=counts.get(Outcome.UNCHANGED, 0),
        failed_count=counts.get(Outcome.FAILED, 0),
    )


def _import_one(ready: _Prepared, batch: ImportBatch):
    if ready.failure:
        return Outcome.FAILED, ready.failure, None
    read_article = ready.read_article
    try:
        with transaction.atomic():  # a savepoint: a failure leaves no half-written article
            result = article_import(parsed=read_article.parsed, batch=batch, mentions=ready.mentions)
    except RejectedArticle as error:
        return Outcome.FAILED, str(error), None
    except DatabaseError as error:  # one release the database refuses must not sink its batch
        logger.exception("batch %s: the database refused the release at %r", batch.pk, read_article.location)
        return (
            Outcome.FAILED,
            f"The database refused this release ({type(error).__name__}); it has been logged.",
            None,
        )
    except Exception as error:  # nor may one that trips a defect of ours
        logger.exception("batch %s: the release at %r could not be imported", batch.pk, read_article.location)
        return Outcome.FAILED, _unexpected(error), None
    return result.outcome, result.reason, result.article


def _unexpected(error: Exception) -> str:
    return f"Pressroom could not import this release ({type(error).__name__}); it has been logged."


def _storable(text: str) -> str:
    """The text without what no database can store (lone surrogates, NUL), so a failure is always recorded."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
