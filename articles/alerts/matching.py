"""Which subscriptions a batch of newly indexed releases matches: the Alerts they owe.

Every new release and major update leaves a PendingAlertMatch in its own transaction (signals.py).
`match_pending` takes a batch of them, runs every distinct stored search once against just
those releases (the search package's percolator), and records an Alert per subscription and
release, then queues an e-mail for each immediate subscription. Alerts are unique per
subscription and release version, so a batch matched twice (a worker killed before it deleted
its rows) owes nothing twice. Withdrawn releases match nothing; minor edits leave no row.
"""

import logging
from collections import defaultdict

from django.db import transaction

from ..models import Article
from ..search import percolate
from .models import Alert, Delivery, PendingAlertMatch, Subscription
from .searches import search_request_of
from .sending import new_delivery

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
    queries = Subscription.objects.active().values_list("query", flat=True).distinct()
    return rows, percolate(articles, {query: search_request_of(query) for query in queries})


def match_pending(batch_size: int = BATCH_SIZE) -> int:
    """Match one batch of new releases against the subscriptions; how many alerts are owed."""
    rows, matched = owed_matches(batch_size)
    if not rows:
        return 0
    versions = {}
    for row in rows:  # a release updated again before it was matched: its latest version
        versions[row.article_id] = max(row.version, versions.get(row.article_id, 0))
    subscribers = defaultdict(list)
    for pk, query in Subscription.objects.active().filter(query__in=list(matched)).values_list("pk", "query"):
        subscribers[query].append(pk)
    alerts = [
        Alert(subscription_id=subscription_id, article_id=article_id, version=versions[article_id])
        for query, article_ids in matched.items()
        for subscription_id in subscribers[query]
        for article_id in article_ids
    ]
    with transaction.atomic():
        Alert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=2000)
        _queue_immediate({alert.subscription_id for alert in alerts})
        PendingAlertMatch.objects.filter(id__in=[row.id for row in rows]).delete()
    logger.info("alerts: %s releases matched, %s alerts owed", len(versions), len(alerts))
    return len(alerts)


def _queue_immediate(subscription_ids: set[int]) -> None:
    """An e-mail for each immediate subscription with alerts not yet given one."""
    immediate = Subscription.objects.active().filter(
        pk__in=subscription_ids, frequency=Subscription.Frequency.IMMEDIATE
    )
    for subscription in immediate:
        unsent = Alert.objects.filter(subscription=subscription, delivery__isnull=True)
        if unsent.exists():
            delivery = new_delivery(
                email=subscription.email, kind=Delivery.Kind.ALERT, subscription=subscription
            )
            unsent.update(delivery=delivery)
