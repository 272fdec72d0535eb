from django.core.management.base import BaseCommand, CommandError

from articles.management.progress import progress_bar
from articles.models import Article
from articles.search import (
    COMMAND_LOCK_TIMEOUT_SECONDS,
    IndexUnavailable,
    apply_pending_updates,
    find_drift,
    repair,
    report_this_node,
    this_node_standing,
)

SHOWN_IDS = 20


class Command(BaseCommand):
    help = "Compare the search index with the database; exits non-zero on drift. --fix repairs it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="Rewrite missing, stale, orphaned and duplicated documents."
        )

    def handle(self, *args, fix, **options):
        self.verbosity = options["verbosity"]
        self.report_standing()
        drift = self.report_drift()
        if drift.drifted and fix:
            self.stdout.write(f"Repairing {repair(drift):,} documents ...")
            drift = self.report_drift()
        if drift.drifted:
            raise CommandError("The index has drifted from the database; run `manage.py check_index --fix`.")
        self.stdout.write(self.style.SUCCESS("The index matches the database."))

    def report_standing(self):
        """This node's place in the change log, then what it lacked applied, so drift means drift."""
        try:
            standing = this_node_standing()
        except IndexUnavailable as error:
            raise CommandError(f"{error}") from error
        self.stdout.write(f"Node {standing.node}: index {standing.generation}, {standing.describe()}.")
        if standing.unapplied:
            applied = apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
            self.stdout.write(f"Applied the entries the index lacked (releases written: {applied:,}).")
        report_this_node(this_node_standing())

    def report_drift(self):
        try:
            with progress_bar(self, Article.objects.public().count(), "Checking") as bar:
                drift = find_drift(progress=bar.update)
        except IndexUnavailable as error:
            raise CommandError(f"{error}") from error
        self.stdout.write(f"{drift.articles:,} articles, {drift.documents:,} index documents.")
        for label, ids in (
            ("missing", drift.missing),
            ("stale", drift.stale),
            ("orphaned", drift.orphaned),
            ("duplicated", drift.duplicated),
        ):
            shown = ", ".join(str(i) for i in sorted(ids)[:SHOWN_IDS]) + (
                " …" if len(ids) > SHOWN_IDS else ""
            )
            self.stdout.write(f"  {label}: {len(ids):,}" + (f" ({shown})" if ids else ""))
        return drift
