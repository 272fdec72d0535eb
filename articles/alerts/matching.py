"""Which subscriptions a batch of newly indexed releases matches: the Alerts they owe.

Every new release and major update leaves a PendingAlertMatch in its own transaction (signals.py).
`match_pending` takes a batch of them, runs every distinct stored search once against just
those releases (the search package's percolator), and records an Alert per subscription and
release, then queues an e-mail for each immediate subscription. Alerts are unique per
subscription and release version, so a batch matched twice (a worker killed before it deleted
its rows) owes nothing twice. Withdrawn releases match nothing; minor edits leave no row.
"""

import logging

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import Article
from ..search import percolate
from ..webhooks import matching as webhook_matching
from .models import Alert, Delivery, PendingAlertMatch, Subscription
from .searches import search_request_of
from .sending import new_deliveries

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def owed_matches(batch_size: int = BATCH_SIZE) -> tuple[list[PendingAlertMatch], dict[str, list[int]]]:
    """A batch of pending matches, and for each distinct search the releases of it that it matches."""
    rows = list(PendingAlertMatch.objects.order_by("id")[:batch_size])
    if not rows:
        return rows, {}
    articles = (
        Article.objects.public()
        .filter(pk__in={row.article_id for row in rows})
        .prefetch_related("country_tags")
    )
    queries = set(Subscription.objects.active().values_list("query", flat=True).distinct().iterator())
    queries |= webhook_matching.active_queries()  # one matching for e-mails and webhooks alike
    return rows, percolate(articles, {query: search_request_of(query) for query in queries})


def match_pending(batch_size: int = BATCH_SIZE) -> int:
    """Match one batch of new releases against the subscriptions; how many alerts are owed."""
    rows, matched = owed_matches(batch_size)
    if not rows:
        return 0
    versions = {}
    for row in rows:  # a release updated again before it was matched: its latest version
        versions[row.article_id] = max(row.version, versions.get(row.article_id, 0))
    alerts, immediate = [], {}
    subscriptions = Subscription.objects.active().values_list("pk", "query", "frequency", "email")
    for pk, query, frequency, email in subscriptions.iterator(chunk_size=10_000):
        for article_id in matched.get(query, ()):
            alerts.append((pk, article_id, versions[article_id]))
        if query in matched and frequency == Subscription.Frequency.IMMEDIATE:
            immediate[pk] = email
    with transaction.atomic():
        _insert_alerts(alerts)
        _queue_immediate(immediate)
        webhook_matching.owe_deliveries(matched, versions)
        PendingAlertMatch.objects.filter(id__in=[row.id for row in rows]).delete()
    logger.info("alerts: %s releases matched, %s alerts owed", len(versions), len(alerts))
    return len(alerts)


def _insert_alerts(alerts: list[tuple[int, int, int]]) -> None:
    """(subscription, article, version) rows, those owed already left as they are.

    In SQL: the ORM's bulk_create spends 40 us of Python per row, and a batch of 100 releases can
    owe a million alerts (SQLite and PostgreSQL both read ON CONFLICT DO NOTHING).
    """
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Alert._meta.db_table)
    sql = (
        f"INSERT INTO {table} (subscription_id, article_id, version, created) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(alerts), 10_000):
            cursor.executemany(sql, [(*alert, created) for alert in alerts[start : start + 10_000]])


def _queue_immediate(subscribers: dict[int, str]) -> None:
    """An e-mail for each immediate subscription with alerts not yet given one, in a few queries
    however many there are (one batch of releases may concern tens of thousands of subscribers)."""
    pending = list(subscribers.items())
    waiting = Delivery.objects.filter(
        subscription_id=OuterRef("subscription_id"), kind=Delivery.Kind.ALERT, status=Delivery.Status.PENDING
    )
    for start in range(0, len(pending), CHUNK):
        chunk = dict(pending[start : start + CHUNK])
        deliveries = new_deliveries(
            kind=Delivery.Kind.ALERT, recipients=[(email, pk) for pk, email in chunk.items()]
        )
        # Into the subscription's e-mail not yet sent: the one just written, or one still waiting.
        Alert.objects.filter(delivery__isnull=True, subscription_id__in=list(chunk)).update(
            delivery_id=Subquery(waiting.order_by("-pk").values("pk")[:1])
        )
        # A batch matched again (its worker died before deleting its rows) owes nothing new.
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries], alerts__isnull=True).delete()


CHUNK = 5000  # subscriptions per UPDATE (SQLite takes 32,766 parameters)
