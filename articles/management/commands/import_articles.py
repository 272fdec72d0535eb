from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.ingest.errors import RejectedRelease
from articles.management.progress import progress_bar
from articles.search.sync import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates
from articles.services import CREATED, UNCHANGED, UPDATED, import_release_file

RELEASE_SUFFIXES = {".txt"}


class Command(BaseCommand):
    help = "Import release files (the upload format) from files and folders."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Release files, or folders holding them.")

    def handle(self, *args, paths, **options):
        self.verbosity = options["verbosity"]
        files = list(release_files(paths))
        tally = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        failures = []
        # One transaction, so the index is written once at the end; each file has its own
        # savepoint, so a bad file leaves nothing behind and does not stop the others.
        with transaction.atomic(), progress_bar(self, len(files), "Importing") as bar:
            for path in files:
                try:
                    tally[import_release_file(data=path.read_bytes()).outcome] += 1
                except (RejectedRelease, OSError) as error:
                    failures.append((path, str(error)))
                bar.update(1)
        apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)  # searchable before we report
        self.report(tally, failures)
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} files could not be imported.")

    def report(self, tally, failures):
        summary = ", ".join(f"{count:,} {outcome}" for outcome, count in tally.items())
        self.stdout.write(f"{summary}, {len(failures):,} failed.")
        for path, reason in failures:
            self.stdout.write(f"  {path}: {reason}")


def release_files(paths):
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RELEASE_SUFFIXES)
        elif path.exists():
            yield path
        else:
            raise CommandError(f"{path} does not exist.")
