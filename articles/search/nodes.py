"""The nodes that keep a search index, each following the change log at its own pace.

A node is a machine with its own index directory, named by PRESSROOM_NODE (the host name by
default). Its web workers report where its index stands every few seconds (catchup.py);
`/healthz` and `check_index` read this node's standing afresh, and the admin lists every
node's last report. The log is pruned up to the oldest position of the nodes seen within
the retention window, and of whatever is older than the window: a node that was away longer
finds itself before the pruned entries and rebuilds its index.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import IndexChange, IndexNode, PrunedChanges
from .change_log import START, Position, entries_after, pruned_through, settled_position
from .cursors import read_cursor
from .damage import IndexUnavailable
from .generations import current_generation

logger = logging.getLogger(__name__)

# Counting the entries a node lacks stops here: a node this far behind is simply "behind".
COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class Standing:
    """Where this node's index stands in the change log."""

    node: str
    generation: str
    position: Position
    unapplied: int  # entries of the log the index lacks (counted up to COUNT_LIMIT)
    lag_seconds: float  # how long ago the oldest of them was recorded; 0 when none
    before_pruned: bool  # entries it lacks were pruned: only a rebuild catches up

    @property
    def too_far_behind(self) -> bool:
        return self.before_pruned or self.lag_seconds > settings.PRESSROOM_MAX_INDEX_LAG_SECONDS

    def describe(self) -> str:
        if self.before_pruned:
            return "behind the pruned change log; the index is being rebuilt"
        if not self.unapplied:
            return "up to date"
        count = f"{self.unapplied:,}{'+' if self.unapplied >= COUNT_LIMIT else ''}"
        return f"{count} changes to apply, the oldest recorded {self.lag_seconds:.1f} s ago"


def node_name() -> str:
    return settings.PRESSROOM_NODE


def this_node_standing() -> Standing:
    """Read afresh from the index's cursor and the log (raises IndexUnavailable without an index)."""
    generation = current_generation()
    if generation is None or not generation.is_dir():  # a cursor is read only beside an index
        raise IndexUnavailable("The search index has not been built; run `manage.py rebuild_index`.")
    cursor = read_cursor(generation)
    # Every entry applied ahead lies after the position, so the count is a subtraction, and the
    # oldest entry lacking is among the first len(ahead) + 1 after it.
    counted = IndexChange.objects.count_after(cursor.position, COUNT_LIMIT + len(cursor.ahead))
    unapplied = max(0, counted - len(cursor.ahead))
    first_lacking = next(
        (entry for entry in entries_after(cursor.position) if not cursor.has_applied(Position.of(entry))),
        None,
    )
    oldest = first_lacking.recorded if first_lacking else None
    return Standing(
        node=node_name(),
        generation=generation.name,
        position=cursor.position,
        unapplied=unapplied,
        lag_seconds=max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0,
        before_pruned=cursor.position < pruned_through(),
    )


def report_this_node(standing: Standing) -> None:
    IndexNode.objects.update_or_create(
        name=standing.node,
        defaults={
            "generation": standing.generation,
            "transaction": standing.position.transaction,
            "change": standing.position.change,
            "unapplied": standing.unapplied,
            "lag_seconds": standing.lag_seconds,
            "last_seen": timezone.now(),
        },
    )


def prune_change_log() -> int:
    """Delete the entries every node seen lately has passed, and those older than the retention window."""
    cutoff = timezone.now() - timedelta(days=settings.PRESSROOM_CHANGE_LOG_RETENTION_DAYS)
    positions = [
        Position(node.transaction, node.change) for node in IndexNode.objects.filter(last_seen__gte=cutoff)
    ]
    through = min(positions) if positions else START
    newest_expired = IndexChange.objects.filter(recorded__lt=cutoff).order_by("-transaction", "-id").first()
    if newest_expired is not None:
        through = max(through, Position.of(newest_expired))
    # Never past a transaction still running: its entries, seen at its commit, would be skipped
    # by every node, and a rebuild (which starts there) would find itself behind at once.
    through = min(through, settled_position())
    if through == START:
        return 0
    with transaction.atomic():
        pruned, _ = PrunedChanges.objects.select_for_update().get_or_create(pk=1)
        if through > Position(pruned.transaction, pruned.change):
            pruned.transaction, pruned.change, pruned.pruned = (
                through.transaction,
                through.change,
                timezone.now(),
            )
            pruned.save()
        deleted, _ = IndexChange.objects.up_to(through).delete()
    if deleted:
        logger.info("change log: pruned %d entries up to %s", deleted, through)
    return deleted
