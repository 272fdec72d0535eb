"""POSTing each webhook delivery, signed, by the task worker, with retries.

The body is the API's JSON of the release (articles/api.py) with "event", "webhook" and "search".
Headers: X-Pressroom-Delivery (a UUID, the same on every attempt), X-Pressroom-Timestamp (Unix
seconds) and X-Pressroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the
webhook's secret>. A receiver recomputes the signature, refuses an old timestamp (replay), and drops
a delivery id it has seen: a worker killed after the POST and before "delivered" was recorded leaves
the delivery "sending", and it is sent again after SENDING_LAPSES_AFTER with the same id.

A delivery is claimed by one conditional UPDATE, so two workers never send it both. A 2xx answer
delivers it; anything else (a redirect, which is never followed, included) is retried after 1, 2, 4,
... minutes, and given up after MAX_ATTEMPTS; PAUSE_AFTER_FAILED deliveries given up in a row pause
the webhook. Only public addresses are posted to (the harvester's checked network).
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from ..api import article_json
from ..harvesting import fetching
from ..models import Article
from .models import Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
PAUSE_AFTER_FAILED = 3
SENDING_LAPSES_AFTER = timedelta(minutes=5)
QUEUED_LAPSES_AFTER = timedelta(minutes=5)
QUEUED_PER_BEAT = 200
ANSWER_READ_BYTES = 4096
USER_AGENT = "Pressroom-Webhooks/1.0"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _claimable(now) -> Q:
    return Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - SENDING_LAPSES_AFTER
    )


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
    claimed = WebhookDelivery.objects.filter(_claimable(now), pk=pk, webhook__active=True).update(
        status=WebhookDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not due, paused, or delivered already"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
    article = Article.objects.public().filter(pk=delivery.article_id).first()
    if article is None:
        _finish(delivery, WebhookDelivery.Status.FAILED, error="The release was withdrawn or removed.")
        return "nothing left to send"
    status, error = _post(delivery, _body(delivery, article))
    if status is not None and 200 <= status < 300:
        _finish(delivery, WebhookDelivery.Status.DELIVERED, code=status, delivered_at=timezone.now())
        return "delivered"
    return _failed(delivery, status, error, now)


def _body(delivery: WebhookDelivery, article) -> bytes:
    def absolute(path: str) -> str:
        return settings.PRESSROOM_SITE_URL + path

    search = absolute(reverse("search")) + (f"?{delivery.webhook.query}" if delivery.webhook.query else "")
    event = "article.published" if delivery.version == 1 else "article.updated"
    payload = article_json(article, absolute) | {
        "event": event,
        "webhook": delivery.webhook.name,
        "search": search,
    }
    return json.dumps(payload).encode()


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str]:
    """The answer's status (None without one) and what went wrong, in a sentence."""
    timestamp = int(time.time())
    timeout = settings.PRESSROOM_WEBHOOK_TIMEOUT_SECONDS
    client, network = fetching.checked_client(
        timeout=timeout,
        allow_private=settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
        headers={"User-Agent": USER_AGENT},
    )
    headers = {
        "Content-Type": "application/json",
        "X-Pressroom-Delivery": str(delivery.delivery_id),
        "X-Pressroom-Timestamp": str(timestamp),
        "X-Pressroom-Signature": signature(delivery.webhook.secret, timestamp, body),
    }
    network.deadline = time.monotonic() + timeout * fetching.DEADLINE_TIMEOUTS
    try:
        with client, client.stream("POST", delivery.webhook.url, content=body, headers=headers) as answer:
            read = 0
            for chunk in answer.iter_raw():  # a few KB at most: nothing of the answer is kept
                read += len(chunk)
                if read >= ANSWER_READ_BYTES:
                    break
            code = answer.status_code
            return code, "" if 200 <= code < 300 else f"The receiver answered {code}."
    except fetching.Redirected as redirect:
        return redirect.status, f"The receiver answered {redirect.status}, a redirect, which is not followed."
    except fetching.RefusedAddress as error:
        return None, f"The receiver is at {error.address}, a private or local address; refused."
    except fetching.NoDnsRecord as error:
        return None, f"The address {error.args[0]} has no DNS record."
    except (fetching.PastDeadline, httpx.TimeoutException):
        return None, f"The receiver gave no answer within {timeout:g} s."
    except httpx.HTTPError as error:
        return None, f"The receiver could not be reached ({type(error).__name__})."


def _failed(delivery: WebhookDelivery, status: int | None, error: str, now) -> str:
    logger.warning("webhooks: delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
    if delivery.attempts < MAX_ATTEMPTS:
        retry_at = now + timedelta(minutes=2 ** (delivery.attempts - 1))
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at=retry_at,
            queued_at=None,
            last_status_code=status,
            last_error=error[:500],
        )
        return f"retried at {retry_at:%H:%M:%S}"
    with transaction.atomic():
        _finish(delivery, WebhookDelivery.Status.FAILED, code=status, error=error)
        _pause_if_failing(delivery.webhook, error)
    return "given up: " + error


def _pause_if_failing(webhook: Webhook, error: str) -> None:
    finished = webhook.deliveries.filter(
        status__in=[WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED]
    ).order_by("-claimed_at", "-pk")[:PAUSE_AFTER_FAILED]
    statuses = [row.status for row in finished]
    if len(statuses) == PAUSE_AFTER_FAILED and set(statuses) == {WebhookDelivery.Status.FAILED}:
        reason = f"{PAUSE_AFTER_FAILED} deliveries in a row were given up ({error[:300]})"
        Webhook.objects.filter(pk=webhook.pk).update(active=False, paused_reason=reason[:500])


def _finish(delivery, status: str, *, code: int | None = None, delivered_at=None, error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
        status=status, delivered_at=delivered_at, last_error=error[:500], last_status_code=code
    )
