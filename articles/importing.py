"""Import batches: files in, one recorded outcome per release out, nothing lost or doubled.

A batch is recorded first (with its files kept as uploaded), then processed, usually in
the background by the task worker. Releases are written in chunks, each chunk one
transaction, so the batch page can show progress and a crash loses at most the chunk in
flight; processing a batch again skips the releases it has already recorded.
"""
import datetime
import logging
from collections.abc import Callable
from contextlib import nullcontext
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .ingest.errors import RejectedRelease
from .ingest.formats import ImportLimits, ReadRelease, read_releases
from .models import ImportBatch, ImportFile, ImportItem
from .search.sync import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates, index_written_beside
from .services import article_import

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
Outcome = ImportItem.Outcome


def import_limits() -> ImportLimits:
    return ImportLimits(
        max_file_bytes=settings.PRESSROOM_MAX_UPLOAD_BYTES,
        max_release_bytes=settings.PRESSROOM_MAX_RELEASE_BYTES,
        max_archive_members=settings.PRESSROOM_MAX_ARCHIVE_MEMBERS,
        max_uncompressed_bytes=settings.PRESSROOM_MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.PRESSROOM_MAX_COMPRESSION_RATIO,
        earliest_published=datetime.date(settings.PRESSROOM_EARLIEST_YEAR, 1, 1),
        latest_published=datetime.date.today() + datetime.timedelta(days=settings.PRESSROOM_LATEST_DAYS_AHEAD),
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
    """A new batch over the same kept files, to retry releases that failed for a reason since removed (a limit, say)."""
    with transaction.atomic():
        again = ImportBatch.objects.create(created_by=user, origin=f"again from batch {batch.pk}"[:40])
        ImportFile.objects.bulk_create(
            ImportFile(batch=again, name=kept.name, upload=kept.upload.name, path=kept.path, size=kept.size)
            for kept in batch.files.all()
        )
        transaction.on_commit(lambda: process_import_batch.enqueue(again.pk))
    return again


def batch_from_paths(paths: list[Path]) -> ImportBatch:
    """Record a command-line import of files on disk (read where they are, not copied)."""
    batch = ImportBatch.objects.create(origin="command line")
    ImportFile.objects.bulk_create(
        ImportFile(batch=batch, name=path.name[:255], path=str(path.resolve()), size=path.stat().st_size) for path in paths
    )
    return batch


@task()
def process_import_batch(batch_id: int) -> str:
    """The background task: process a queued batch."""
    batch = ImportBatch.objects.get(pk=batch_id)
    return process_batch(batch, index_beside=settings.PRESSROOM_INDEX_BESIDE_IMPORTS).summary()


def process_batch(
    batch: ImportBatch,
    progress: Callable[[int], None] | None = None,
    index_lock_timeout: float = COMMAND_LOCK_TIMEOUT_SECONDS,
    index_beside: bool = False,
) -> ImportBatch:
    """Import every release of every file of the batch, recording each outcome.

    Processes without other threads (the task worker, commands) may pass `index_beside` to
    have a forked process write the index while this one parses and stores (sync.py).

    At the end it waits up to `index_lock_timeout` to make the releases searchable; a web
    request passes 0 and leaves what it cannot write to the catch-up.
    """
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, started=timezone.now())
    releases = _unrecorded_releases(batch, import_limits())
    # Chunks span files, so a folder of one-release files is still written in few commits.
    with index_written_beside() if index_beside else nullcontext():
        # Chunk by chunk searchable: each commit's updates are written beside, or after it here.
        while chunk := list(islice(releases, CHUNK_SIZE)):
            _import_chunk(batch, chunk)
            if progress:
                progress(len(chunk))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE, finished=timezone.now())
    apply_pending_updates(index_lock_timeout)
    batch.refresh_from_db()
    return batch


def _unrecorded_releases(batch: ImportBatch, limits: ImportLimits):
    """(file, position, release) for each release not yet recorded; the total grows as files are read."""
    for source in batch.files.order_by("pk"):
        releases = _releases_of(source, limits)
        ImportBatch.objects.filter(pk=batch.pk).update(total=F("total") + len(releases))
        done = set(source.items.values_list("position", flat=True))
        for position, release in enumerate(releases):
            if position not in done:  # processing a batch again resumes where it stopped
                yield source, position, release


def _releases_of(source: ImportFile, limits: ImportLimits) -> list:
    """The file's releases; a file rejected whole counts as one failed release."""
    try:
        return list(read_releases(source.name, source.read(), limits))
    except RejectedRelease as error:
        return [ReadRelease("", error=str(error))]
    except OSError as error:
        logger.exception("import file %s of batch %s could not be read", source.pk, source.batch_id)
        return [ReadRelease("", error=f"The stored file could not be read ({error.strerror}).")]


def _import_chunk(batch: ImportBatch, chunk) -> None:
    counts = {outcome: 0 for outcome in Outcome.values}
    with transaction.atomic():
        for source, position, release in chunk:
            outcome, reason, article = _import_one(release, batch)
            ImportItem.objects.create(
                batch=batch, source_file=source, position=position, location=release.location[:500],
                outcome=outcome, reason=reason, article=article,
            )  # fmt: skip
            counts[outcome] += 1
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed=F("processed") + len(chunk),
            created_count=F("created_count") + counts[Outcome.CREATED],
            updated_count=F("updated_count") + counts[Outcome.UPDATED],
            unchanged_count=F("unchanged_count") + counts[Outcome.UNCHANGED],
            failed_count=F("failed_count") + counts[Outcome.FAILED],
        )


def _import_one(release, batch):
    if release.error:
        return Outcome.FAILED, release.error, None
    try:
        with transaction.atomic():  # a savepoint: a failure leaves no half-written article
            result = article_import(parsed=release.parsed, batch=batch)
    except RejectedRelease as error:
        return Outcome.FAILED, str(error), None
    except DatabaseError as error:  # one release the database refuses must not sink its batch
        logger.exception("batch %s: the database refused the release at %r", batch.pk, release.location)
        return Outcome.FAILED, f"The database refused this release ({type(error).__name__}); it has been logged.", None
    return result.outcome, "", result.article
