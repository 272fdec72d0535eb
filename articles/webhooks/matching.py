"""The webhook deliveries a matched batch of new releases owes, written with the alerts' matching
(alerts/matching.py), in the transaction that consumes the batch: nothing lost, nothing twice.

A webhook waits for at most one delivery of a release at a time: an update that comes while the
release's delivery is still waiting (a receiver failing, in back-off) is folded into it, which
then sends the newest version, rather than queueing one POST more per edit behind it.
"""

import uuid

from django.utils import timezone

from .models import Webhook, WebhookDelivery


def active_queries() -> set[str]:
    return set(Webhook.objects.active().values_list("query", flat=True))


def owe_deliveries(matched: dict[str, list[int]], versions: dict[int, int]) -> int:
    """A delivery per active webhook and release (version) its search matched, folded into the one
    still waiting if there is one; those owed already kept. How many were written or folded."""
    owed = {
        (pk, article_id): versions[article_id]
        for pk, query in Webhook.objects.active().values_list("pk", "query")
        for article_id in matched.get(query, ())
    }
    if not owed:
        return 0
    known = WebhookDelivery.objects.filter(
        webhook_id__in={pk for pk, _ in owed}, article_id__in={article_id for _, article_id in owed}
    ).values_list("pk", "webhook_id", "article_id", "version", "status")
    owed_already, waiting = set(), {}
    for pk, webhook_id, article_id, version, status in known:
        owed_already.add((webhook_id, article_id, version))
        if status == WebhookDelivery.Status.PENDING:
            waiting[webhook_id, article_id] = (pk, version)
    now = timezone.now()
    new = []
    for (webhook_id, article_id), version in owed.items():
        if (webhook_id, article_id, version) in owed_already:
            continue
        if _folded(waiting.get((webhook_id, article_id)), version):
            continue
        new.append(
            WebhookDelivery(
                webhook_id=webhook_id, article_id=article_id, version=version, next_attempt_at=now
            )
        )
    WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
    return len(owed)


def _folded(waiting: tuple[int, int] | None, version: int) -> bool:
    """Move a waiting delivery on to `version`, unless a worker claimed it meanwhile (then a new one
    is owed). Its back-off
    and attempts are kept (the receiver is no healthier for the edit); its delivery id is new, as
    a receiver that got the older version (an answer lost to a timeout) must not drop this one."""
    if waiting is None:
        return False
    pk, waiting_version = waiting
    if waiting_version >= version:  # a batch matched late: the waiting delivery is newer already
        return True
    return bool(
        WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.PENDING).update(
            version=version, delivery_id=uuid.uuid4()
        )
    )
