"""Each webhook delivery's life, by the task worker: claimed, POSTed (posting.py), retried, given up.

The body is the API's JSON of the release (articles/api.py) with "event", "webhook" and "search".
Its delivery id (X-Pressroom-Delivery) is the same on every attempt: a worker killed after the POST
and before "delivered" was recorded leaves the delivery "sending", and it is sent again after
SENDING_LAPSES_AFTER with the same id, which the receiver drops if it has it.

A delivery is claimed by one conditional UPDATE, so two workers never send it both, and every
attempt ends recorded (delivered, retried, given up or not sent), whatever goes wrong in it. A 2xx
answer delivers it; 410 Gone gives it up and pauses the webhook at once; a target that cannot be
posted to (targets.py: a private address, a malformed URL) is given up at once; anything else (a
redirect, which is never followed, included) is retried after 1, 2, 4, ... minutes, and given up
after MAX_ATTEMPTS, as is one whose last attempt was cut off by a dying worker. PAUSE_AFTER_FAILED
deliveries given up in a row pause the webhook. A release withdrawn before its POST is not sent,
and that is no fault of the receiver's.

Test deliveries (the admin's "Send a test delivery") are POSTed at once in the admin's request and
recorded after, delivered or failed: never retried, and no count toward pausing.
"""

import json
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from ..api import article_json
from ..models import Article
from .models import Webhook, WebhookDelivery
from .posting import Outcome, post

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
PAUSE_AFTER_FAILED = 3
SENDING_LAPSES_AFTER = timedelta(minutes=5)
QUEUED_LAPSES_AFTER = timedelta(minutes=5)
QUEUED_PER_BEAT = 200


def _lapsed(now) -> Q:
    """Left "sending" by a worker that died (or hangs) before recording how its attempt ended."""
    return Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - SENDING_LAPSES_AFTER)


def _claimable(now) -> Q:
    return Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now) | _lapsed(now)


def queue_due_webhook_deliveries(now=None, limit: int = QUEUED_PER_BEAT) -> list[int]:
    """Queue a send task for each due delivery of an active webhook not queued already."""
    from .work import send_webhook_task

    now = now or timezone.now()
    unqueued = Q(queued_at__isnull=True) | Q(queued_at__lt=now - QUEUED_LAPSES_AFTER)
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.filter(_claimable(now) & unqueued, webhook__active=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=due).update(queued_at=now)
    for pk in due:
        send_webhook_task.enqueue(pk)
    return due


def send_webhook_delivery(pk: int, now=None) -> str:
    """POST one delivery if it is due and nobody else is; what happened, in words."""
    now = now or timezone.now()
    if _give_up_if_cut_off(pk, now):
        return "given up: its last attempt was cut off"
    claimed = WebhookDelivery.objects.filter(
        _claimable(now), pk=pk, webhook__active=True, attempts__lt=MAX_ATTEMPTS
    ).update(status=WebhookDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "not due, paused, or delivered already"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
    try:
        return _send(delivery, now)
    except Exception as error:  # recorded and retried, never left "sending" until it lapses
        logger.exception("webhooks: delivery %s failed inside Pressroom", pk)
        text = f"Pressroom failed while sending it ({type(error).__name__}); the server log has the details."
        return _failed(delivery, Outcome(None, text), now)


def _send(delivery: WebhookDelivery, now) -> str:
    article = Article.objects.public().filter(pk=delivery.article_id).first()
    if article is None:
        _finish(
            delivery,
            WebhookDelivery.Status.SKIPPED,
            error="Not sent: the release was withdrawn, merged or removed before it went out.",
        )
        return "not sent: the release was withdrawn"
    outcome = post(delivery.webhook, delivery.delivery_id, _body(delivery.webhook, delivery.version, article))
    if outcome.delivered:
        _finish(delivery, WebhookDelivery.Status.DELIVERED, code=outcome.status, delivered_at=timezone.now())
        return "delivered"
    return _failed(delivery, outcome, now)


def _give_up_if_cut_off(pk: int, now) -> bool:
    """Give up a delivery whose last attempt a dying worker cut off, when it has no attempt left."""
    text = (
        f"Attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS} was cut off (its worker stopped) and how it ended is "
        "unknown: the receiver may or may not have it. No attempts left; given up."
    )
    given_up = WebhookDelivery.objects.filter(_lapsed(now), pk=pk, attempts__gte=MAX_ATTEMPTS).update(
        status=WebhookDelivery.Status.FAILED, last_error=text
    )
    if given_up:
        logger.warning("webhooks: delivery %s given up: its last attempt was cut off", pk)
        _pause_if_failing(WebhookDelivery.objects.get(pk=pk).webhook, text)
    return bool(given_up)


def send_test_delivery(webhook: Webhook) -> WebhookDelivery:
    """POST a signed sample (event "test") to `webhook` now, paused or not; recorded once it ended."""
    delivery_id = uuid.uuid4()
    search = _search_url(webhook)
    body = json.dumps({"event": "test", "webhook": webhook.name, "search": search}).encode()
    outcome = post(webhook, delivery_id, body)
    now = timezone.now()
    return WebhookDelivery.objects.create(
        webhook=webhook,
        kind=WebhookDelivery.Kind.TEST,
        version=0,
        delivery_id=delivery_id,
        status=WebhookDelivery.Status.DELIVERED if outcome.delivered else WebhookDelivery.Status.FAILED,
        attempts=1,
        next_attempt_at=now,
        claimed_at=now,
        last_status_code=outcome.status,
        last_error=outcome.error[:500],
        delivered_at=now if outcome.delivered else None,
    )


def _search_url(webhook: Webhook) -> str:
    search = settings.PRESSROOM_SITE_URL + reverse("search")
    return search + (f"?{webhook.query}" if webhook.query else "")


def _body(webhook: Webhook, version: int, article) -> bytes:
    def absolute(path: str) -> str:
        return settings.PRESSROOM_SITE_URL + path

    event = "article.published" if version == 1 else "article.updated"
    payload = article_json(article, absolute) | {
        "event": event,
        "webhook": webhook.name,
        "search": _search_url(webhook),
    }
    return json.dumps(payload).encode()


def _failed(delivery: WebhookDelivery, outcome: Outcome, now) -> str:
    error = outcome.error
    logger.warning("webhooks: delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
    if not (outcome.final or outcome.gone) and delivery.attempts < MAX_ATTEMPTS:
        retry_at = now + timedelta(minutes=2 ** (delivery.attempts - 1))
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at=retry_at,
            queued_at=None,
            last_status_code=outcome.status,
            last_error=error[:500],
        )
        return f"retried at {retry_at:%H:%M:%S}"
    with transaction.atomic():
        _finish(delivery, WebhookDelivery.Status.FAILED, code=outcome.status, error=error)
        if outcome.gone:
            _pause(delivery.webhook, error)
        else:
            _pause_if_failing(delivery.webhook, error)
    return "given up: " + error


def _pause_if_failing(webhook: Webhook, error: str) -> None:
    finished = webhook.deliveries.filter(
        kind=WebhookDelivery.Kind.RELEASE,
        status__in=[WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED],
    ).order_by("-claimed_at", "-pk")[:PAUSE_AFTER_FAILED]
    statuses = [row.status for row in finished]
    if len(statuses) == PAUSE_AFTER_FAILED and set(statuses) == {WebhookDelivery.Status.FAILED}:
        _pause(webhook, f"{PAUSE_AFTER_FAILED} deliveries in a row were given up ({error[:300]})")


def _pause(webhook: Webhook, reason: str) -> None:
    # A webhook the staff paused keeps their reason.
    Webhook.objects.filter(pk=webhook.pk, active=True).update(active=False, paused_reason=reason[:500])


def _finish(delivery, status: str, *, code: int | None = None, delivered_at=None, error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
        status=status, delivered_at=delivered_at, last_error=error[:500], last_status_code=code
    )
