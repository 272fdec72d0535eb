"""Small helpers of the alert tests: the links of an e-mail, the worker's beat, the digest hour."""

import re
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from articles.alerts.digests import queue_digests
from articles.worker import queue_due_alerts


def links(message) -> list[str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https://pressroom\.example\S+", text)


def path_of(url: str) -> str:
    return url.removeprefix("https://pressroom.example")


def beat(capture) -> None:
    """The task worker's heartbeat, its queued tasks run at once, as after real commits."""
    with capture(execute=True):
        queue_due_alerts()
    connection.run_on_commit.clear()


def send_digests_now(capture, settings) -> None:
    """The digests sent as if this were their hour, their tasks run at once."""
    now = timezone.now()
    settings.PRESSROOM_DIGEST_HOUR = timezone.localtime(now).hour
    with capture(execute=True):
        queue_digests(now)


def waits_between_attempts(delivery, attempts: int) -> list[int]:
    """Send `delivery` `attempts` times, each as soon as it is due; the minutes it waited before each."""
    from articles.alerts.sending import send_delivery

    waits = []
    for _ in range(attempts):
        delivery.refresh_from_db()
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 60))
        send_delivery(delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=1))
    return waits
