from django.core.management.base import BaseCommand

from articles.management.progress import progress_bar
from articles.models import Article
from articles.services import retag_archive


class Command(BaseCommand):
    help = (
        "Find the countries of every article again with the current extractor, "
        "leaving editors' choices alone; the search index is updated as it goes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change, and change nothing."
        )

    def handle(self, *args, dry_run, **options):
        self.verbosity = options["verbosity"]
        with progress_bar(self, Article.objects.count(), "Checking" if dry_run else "Retagging") as bar:
            summary = retag_archive(dry_run=dry_run, progress=bar.update)
        if self.verbosity >= (1 if dry_run else 2):
            for article, change in summary.changes:
                self.stdout.write(f"{article.pk} {article.title[:60]}: {describe(change)}")
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{summary.checked:,} articles checked: {len(summary.changes):,} {verb} "
            f"({sum(len(c.added) for _, c in summary.changes):,} countries added, "
            f"{sum(len(c.removed) for _, c in summary.changes):,} removed, "
            f"{sum(len(c.reweighted) for _, c in summary.changes):,} reweighted); "
            f"editors' choices kept on {summary.with_choices:,}."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")


def describe(change) -> str:
    """'+PK 5 -IN RU 3→4.5': countries added, removed and reweighted."""
    parts = [f"+{code} {change.after[code]:g}" for code in change.added]
    parts += [f"-{code}" for code in change.removed]
    parts += [f"{code} {change.before[code]:g}→{change.after[code]:g}" for code in change.reweighted]
    return " ".join(parts)
