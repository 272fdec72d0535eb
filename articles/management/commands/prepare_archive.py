from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from articles.importing import process_import_batch
from articles.models import Article, ImportBatch
from articles.search.index import index_exists
from articles.search.sync import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates


class Command(BaseCommand):
    help = "Get the archive ready to serve: demo releases when it is empty, and an index caught up with the database."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        if not index_exists():
            call_command("rebuild_index", verbosity=verbosity)
        if not Article.objects.exists():
            if verbosity:
                self.stdout.write(f"The archive is empty: adding {settings.PRESSROOM_DEMO_ARTICLES:,} demo releases.")
            call_command("generate_articles", settings.PRESSROOM_DEMO_ARTICLES, seed=settings.PRESSROOM_DEMO_SEED, verbosity=verbosity)
        for batch in ImportBatch.objects.exclude(status=ImportBatch.Status.DONE).exclude(origin="command line"):
            # Interrupted by a stop: processing again resumes after the last recorded release.
            process_import_batch.enqueue(batch.pk)
            if verbosity:
                self.stdout.write(f"Resuming import batch {batch.pk}.")
        applied = apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
        if verbosity:
            self.stdout.write(f"Index ready ({applied:,} pending updates applied).")
