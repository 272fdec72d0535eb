"""The webhook deliveries a matched batch of new releases owes, written with the alerts' matching
(alerts/matching.py), in the transaction that consumes the batch: nothing lost, nothing twice."""

from django.utils import timezone

from .models import Webhook, WebhookDelivery


def active_queries() -> set[str]:
    return set(Webhook.objects.active().values_list("query", flat=True))


def owe_deliveries(matched: dict[str, list[int]], versions: dict[int, int]) -> int:
    """A delivery per active webhook and release (version) its search matched; those owed already kept."""
    now = timezone.now()
    rows = [
        WebhookDelivery(
            webhook_id=pk, article_id=article_id, version=versions[article_id], next_attempt_at=now
        )
        for pk, query in Webhook.objects.active().values_list("pk", "query")
        for article_id in matched.get(query, ())
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
