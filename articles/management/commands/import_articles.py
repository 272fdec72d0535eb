import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.importing import batch_from_paths, process_batch
from articles.ingest.formats import ACCEPTED_FORMATS, ARCHIVE_DEBRIS
from articles.management.progress import progress_bar


class Command(BaseCommand):
    help = f"Import releases from files, folders and archives ({', '.join(ACCEPTED_FORMATS)})."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", type=Path, help="Release files, archives, or folders holding them."
        )

    def handle(self, *args, paths, **options):
        self.verbosity = options["verbosity"]
        files = list(import_files(paths))
        # A name that is not UTF-8 (bytes from another system) cannot be recorded to read the file
        # again later; it is named, and the other files are imported.
        unnamed = [path for path in files if not _is_utf8(str(path))]
        batch = batch_from_paths([path for path in files if path not in unnamed])
        with progress_bar(self, None, "Importing") as bar:
            batch = process_batch(
                batch, progress=bar.update, index_beside=settings.PRESSROOM_INDEX_BESIDE_IMPORTS
            )
        self.stdout.write(f"Import batch {batch.pk}: {batch.summary()}")
        failures = batch.items.failed().select_related("source_file")
        for item in failures:
            where = f"{item.source_file.path or item.source_file.name}" + (
                f", {item.location}" if item.location else ""
            )
            self.stdout.write(f"  {where}: {item.reason}")
        for path in unnamed:
            self.stderr.write(
                f"  {_shown(path)}: skipped, its name is not UTF-8; rename it and import it again."
            )
        if batch.status == batch.Status.FAILED:
            raise CommandError(f"Import batch {batch.pk} stopped: {batch.failure}")
        if batch.failed_count:
            raise CommandError(f"{batch.failed_count:,} of {batch.total:,} releases could not be imported.")
        if unnamed:
            raise CommandError(
                f"{len(unnamed):,} file{'s' if len(unnamed) > 1 else ''} skipped "
                f"for {'their names' if len(unnamed) > 1 else 'its name'}."
            )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode keeps undecodable bytes as lone surrogates
        return False
    return True


def _shown(path: Path) -> str:
    return os.fsencode(path).decode("utf-8", "replace")


def import_files(paths):
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in ACCEPTED_FORMATS
                and not ARCHIVE_DEBRIS.search(p.relative_to(path).as_posix())
            )
        elif path.is_file():
            yield path
        else:
            raise CommandError(f"{path} does not exist.")
