import time

from django.core.management.base import BaseCommand

from articles.search import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates


class Command(BaseCommand):
    help = (
        "Apply the change log's entries this node's index lacks; --watch keeps doing so "
        "(an alternative to the web workers' catch-up)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--watch", action="store_true", help="Keep running, checking every --interval seconds."
        )
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, watch, interval, **options):
        while True:
            applied = apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
            if options["verbosity"] and (applied or not watch):
                self.stdout.write(f"Applied the change log: {applied:,} releases written to the index.")
            if not watch:
                return
            time.sleep(interval)
