from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.demo import generate_article_texts
from articles.ingest.parsing import parse_article
from articles.management.progress import progress_bar
from articles.models import ImportItem
from articles.search import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates
from articles.services import article_import


class Command(BaseCommand):
    help = "Add generated demo press releases to the archive, or write them as upload files with --out."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same releases.")
        parser.add_argument(
            "--out", type=Path, help="Write release files to this folder instead of importing."
        )

    def handle(self, *args, count, seed, out, **options):
        self.verbosity = options["verbosity"]
        if count < 0:
            raise CommandError("The count must be zero or more.")
        texts = generate_article_texts(count, seed)
        if out:
            self.write_files(texts, out, count, seed)
        else:
            self.import_texts(texts, count)

    def write_files(self, texts, out, count, seed):
        out.mkdir(parents=True, exist_ok=True)
        with progress_bar(self, count, "Writing") as bar:
            for number, text in enumerate(texts, start=1):
                (out / f"release-{seed}-{number:06}.txt").write_text(text, encoding="utf-8")
                bar.update(1)
        if self.verbosity:
            self.stdout.write(f"Wrote {count:,} release files to {out}.")

    def import_texts(self, texts, count):
        created = 0
        with transaction.atomic(), progress_bar(self, count, "Generating") as bar:
            for text in texts:
                created += article_import(parsed=parse_article(text)).outcome == ImportItem.Outcome.CREATED
                bar.update(1)
        apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
        if self.verbosity:
            self.stdout.write(f"Added {created:,} generated releases.")
