"""The change log every search index follows: an append-only list of the articles that changed.

A change to an article records an IndexChange in the same transaction. Nothing consumes the
log: each index, on each node, keeps its own position in it (cursors.py) and applies what
lies after at its own pace; entries every node has passed are pruned (nodes.py).

A position is a pair (transaction, change). On PostgreSQL an entry's number is taken at
insert but seen by others only at commit, so a transaction that started early and commits
late adds entries *behind* ones a follower has already read. Ordering by the writing
transaction's id first, and treating as settled only the entries of transactions older than
every transaction still running (`pg_snapshot_xmin`), gives a follower a prefix of the log
that can no longer grow: its position only ever moves over settled entries. Entries it reads
before they settle are applied at once (readers should not wait for a slow neighbour) and
remembered as applied *ahead* of the position. SQLite lets one writer at a time, so its
entries are settled as soon as they are seen, in the order of their numbers.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Func

from ..bulk_rows import insert_rows
from ..models import IndexChange, PrunedChanges

LAST_CHANGE = 2**63 - 1  # greater than any entry's number within a transaction


@dataclass(frozen=True, order=True)
class Position:
    """A place in the log: everything at or before it is applied."""

    transaction: int
    change: int

    @classmethod
    def of(cls, entry: IndexChange) -> "Position":
        return cls(entry.transaction, entry.id)


START = Position(0, 0)


class WritingTransaction(Func):
    """The id of the transaction that writes the entry (PostgreSQL); 0 elsewhere."""

    template = "0"
    arity = 0

    def as_postgresql(self, compiler, connection, **extra_context):
        return "pg_current_xact_id()::text::bigint", []


def record_change(article_id: int, kind: str = IndexChange.Kind.SAVED) -> None:
    IndexChange.objects.create(article_id=article_id, kind=kind, transaction=WritingTransaction())


def record_changes(article_ids) -> None:
    """One entry for each article, written at once (a bulk import's thousands)."""
    writing = _writing_transaction()
    insert_rows(
        IndexChange, ({"article_id": article_id, "transaction": writing} for article_id in article_ids)
    )


def _writing_transaction() -> int:
    """What WritingTransaction gives each entry, asked once for a transaction's thousands."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


def settled_before() -> int | None:
    """The oldest transaction still running: entries of older ones are final. None when all are (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def is_settled(position: Position, horizon: int | None) -> bool:
    return horizon is None or position.transaction < horizon


def settled_position() -> Position:
    """A position every settled entry lies at or before, and every entry still to come lies after.

    A rebuild starts here: what it reads from the database includes every settled change,
    and it applies the entries after this once it has read the rest.
    """
    horizon = settled_before()
    if horizon is not None:
        return Position(horizon - 1, LAST_CHANGE)
    last = IndexChange.objects.order_by("-id").values_list("id", flat=True).first()
    return max(Position(0, last or 0), pruned_through())  # a log pruned empty still counts on


def pruned_through() -> Position:
    """How far the log was pruned: an index whose position lies before this lacks entries gone for good."""
    pruned = PrunedChanges.objects.filter(pk=1).first()
    return Position(pruned.transaction, pruned.change) if pruned else START


def entries_after(position: Position, page: int = 1000):
    """Every entry after a position, in log order, read a page at a time."""
    while entries := list(
        IndexChange.objects.only("id", "transaction", "article_id", "recorded").after(position)[:page]
    ):
        yield from entries
        if len(entries) < page:
            return
        position = Position.of(entries[-1])
