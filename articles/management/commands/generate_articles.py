import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.demo import generate_article_texts
from articles.demo_fill import fill_with_demo_releases
from articles.ingest.parsing import parse_article
from articles.management.progress import progress_bar
from articles.models import ImportItem
from articles.search import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates
from articles.services import article_import


class Command(BaseCommand):
    help = (
        "Add generated demo press releases to the archive (one import each, or with --bulk many at once), "
        "or write them as upload files with --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same releases.")
        parser.add_argument(
            "--start",
            type=int,
            default=1,
            help="The number of the first release: a later run can add the next ones of the same seed.",
        )
        parser.add_argument(
            "--out", type=Path, help="Write release files to this folder instead of importing."
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Store them in bulk, prepared in parallel processes (a million in minutes); "
            "the search index is then rebuilt with `rebuild_index`.",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=os.cpu_count() or 1,
            help="With --bulk: how many processes write and parse the releases (1: this one alone).",
        )

    def handle(self, *args, count, seed, start, out, bulk, processes, **options):
        self.verbosity = options["verbosity"]
        if count < 0:
            raise CommandError("The count must be zero or more.")
        if start < 1:
            raise CommandError("The first release's number is 1 or more.")
        if out and bulk:
            raise CommandError("--bulk stores releases in the archive; --out writes files: choose one.")
        if processes < 1:
            raise CommandError("--processes is 1 or more.")
        if out:
            self.write_files(generate_article_texts(count, seed, start), out, count, seed, start)
        elif bulk:
            self.store_in_bulk(count, seed, start, processes)
        else:
            self.import_texts(generate_article_texts(count, seed, start), count)

    def write_files(self, texts, out, count, seed, start):
        out.mkdir(parents=True, exist_ok=True)
        with progress_bar(self, count, "Writing") as bar:
            for number, text in enumerate(texts, start=start):
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

    def store_in_bulk(self, count, seed, start, processes):
        with progress_bar(self, count, "Storing") as bar:
            outcome = fill_with_demo_releases(
                count, seed=seed, start=start, processes=processes, progress=bar.update
            )
        if self.verbosity:
            stored_already = f", {outcome.unchanged:,} stored already" if outcome.unchanged else ""
            added = outcome.created + outcome.imported_one_by_one
            self.stdout.write(
                f"Added {added:,} generated releases{stored_already}. "
                "Run `manage.py rebuild_index` so that search finds them."
            )
