from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.management.progress import progress_bar
from articles.models import Article
from articles.search import RebuildFailed, rebuild_index


class Command(BaseCommand):
    help = "Rebuild the search index from the database and swap it in while searches go on."

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        try:
            with progress_bar(self, Article.objects.public().count(), "Indexing") as bar:
                count = rebuild_index(
                    progress=bar.update, processes=settings.PRESSROOM_INDEX_WRITER_PROCESSES
                )
        except RebuildFailed as failure:
            raise CommandError(
                f"The index was not rebuilt ({failure}); the index it was to replace still serves."
            ) from failure
        if self.verbosity:
            self.stdout.write(self.style.SUCCESS(f"Indexed {count:,} articles."))
