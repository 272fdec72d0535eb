from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from articles.importing import resume_unfinished_batches
from articles.models import Article
from articles.search import (
    COMMAND_LOCK_TIMEOUT_SECONDS,
    IndexUnavailable,
    apply_pending_updates,
    index_exists,
    prune_change_log,
    report_this_node,
    this_node_standing,
)

EMPTY_ARCHIVE = "The archive is empty; import releases in the admin (or run with --demo for demo data)."


class Command(BaseCommand):
    help = (
        "Get the archive ready to serve: an index caught up with the database, interrupted imports resumed, "
        "and demo releases in an empty archive when --demo (or PRESSROOM_DEMO) asks for them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help=(
                "Fill an empty archive with generated demo releases (what `make serve` does). "
                "Never the default: a production archive holds only what was imported."
            ),
        )

    def handle(self, *args, demo, **options):
        verbosity = options["verbosity"]
        if not index_exists():
            call_command("rebuild_index", verbosity=verbosity)
        if not Article.objects.exists():
            # Invented releases in an archive of record would be cited as real: only when asked for.
            if demo or settings.PRESSROOM_DEMO:
                if verbosity:
                    self.stdout.write(
                        f"The archive is empty: adding {settings.PRESSROOM_DEMO_ARTICLES:,} demo releases."
                    )
                call_command(
                    "generate_articles",
                    settings.PRESSROOM_DEMO_ARTICLES,
                    seed=settings.PRESSROOM_DEMO_SEED,
                    verbosity=verbosity,
                )
            elif verbosity:
                self.stdout.write(EMPTY_ARCHIVE)
        # Interrupted by a stop: processing again resumes after the last recorded release.
        for batch in resume_unfinished_batches():
            if verbosity:
                self.stdout.write(f"Resuming import batch {batch.pk}.")
        applied = apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
        try:
            standing = this_node_standing()
        except IndexUnavailable:
            standing = None
        if standing is not None and standing.before_pruned:
            # Away longer than the change log is kept: the changes it missed are gone from the log.
            if verbosity:
                self.stdout.write("The index lacks changes pruned from the log: rebuilding it.")
            call_command("rebuild_index", verbosity=verbosity)
            standing = this_node_standing()
        if standing is not None:
            report_this_node(standing)
        prune_change_log()
        if verbosity:
            self.stdout.write(f"Index ready ({applied:,} releases written from the change log).")
