from pathlib import Path

from django.core.management.base import BaseCommand

from articles.backups import write_backup


class Command(BaseCommand):
    help = "Write a consistent backup of the database's rows and the uploaded files to a .tar.gz file."

    def add_arguments(self, parser):
        parser.add_argument(
            "destination", type=Path, help="The file to write, e.g. pressroom-2026-11-28.tar.gz"
        )

    def handle(self, *args, destination, **options):
        summary = write_backup(destination)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {summary.rows:,} rows and {summary.files:,} uploaded files to {destination}."
            )
        )
