from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.harvesting.polling import poll_source
from articles.harvesting.scheduling import take
from articles.importing import process_batch
from articles.models import HarvestSource

MAX_ID = 2**63 - 1  # the largest id a database stores


class Command(BaseCommand):
    help = (
        "Poll the harvesting sources that are due (as the task worker does), here and now, "
        "and import the pages they list."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=int,
            action="append",
            dest="source_ids",
            metavar="ID",
            help="Poll this source (repeatable).",
        )
        parser.add_argument("--now", action="store_true", help="Poll every active source, due or not.")

    def handle(self, *args, source_ids, now, **options):
        if source_ids:
            # An id past a 64-bit integer names no source, and SQLite would refuse it (OverflowError).
            storable = [pk for pk in source_ids if 0 < pk <= MAX_ID]
            sources = HarvestSource.objects.filter(pk__in=storable)
            missing = set(source_ids) - set(sources.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No harvesting source has the id {', '.join(map(str, sorted(missing)))}.")
        elif now:
            sources = HarvestSource.objects.filter(active=True)
        else:
            sources = HarvestSource.objects.due(timezone.now())
        failed = [source for source in sources.order_by("name") if not self._poll(source)]
        if failed:
            raise CommandError(f"{len(failed)} of the sources failed: {', '.join(s.name for s in failed)}.")

    def _poll(self, source: HarvestSource) -> bool:
        """Poll one source and import its batch; whether the poll succeeded."""
        held = take(source.pk)
        if held is None:
            self.stdout.write(f"{source.name}: being polled by the task worker; left to it.")
            return True
        batch = poll_source(held, queue=False)  # processed here and now
        held.refresh_from_db()
        if held.last_error:
            self.stdout.write(f"{source.name}: failed: {held.last_error}")
            return False
        if batch is None:
            self.stdout.write(f"{source.name}: nothing new.")
            return True
        batch = process_batch(batch, index_beside=settings.PRESSROOM_INDEX_BESIDE_IMPORTS)
        self.stdout.write(f"{source.name}: import batch {batch.pk}: {batch.summary()}")
        if batch.note:
            self.stdout.write(f"  {batch.note}")
        for item in batch.items.failed():
            self.stdout.write(f"  {item.location}: {item.reason}")
        return True
