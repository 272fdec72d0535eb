from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by backup_archive into an empty archive (any database engine), "
        "then rebuild the index."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path)

    def handle(self, *args, source, **options):
        try:
            summary = restore_backup(source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.rows:,} rows and {summary.files:,} uploaded files; the index is rebuilt."
            )
        )
