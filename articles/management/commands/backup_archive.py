from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backups import BackupError, write_backup

MISSING_SHOWN = 20


class Command(BaseCommand):
    help = "Write a consistent backup of the database's rows and the stored files to a .tar.gz file."

    def add_arguments(self, parser):
        parser.add_argument(
            "destination", type=Path, help="The file to write, e.g. pressroom-2026-11-28.tar.gz"
        )

    def handle(self, *args, destination, **options):
        try:
            summary = write_backup(destination)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if summary.missing:
            # The backup is still worth having; the operator learns which files were already lost.
            self.stderr.write(
                self.style.WARNING(
                    f"{len(summary.missing):,} files the rows name are not in the storage, so not in the "
                    f"backup: {', '.join(summary.missing[:MISSING_SHOWN])}"
                    + (" …" if len(summary.missing) > MISSING_SHOWN else "")
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {summary.rows:,} rows and {summary.files:,} uploaded files to {destination}."
            )
        )
