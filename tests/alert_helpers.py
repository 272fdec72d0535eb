"""Small helpers of the alert tests: the links of an e-mail, the worker's beat, the digest hour."""

import re
from datetime import timedelta

from django.conf import settings
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


def next_digest_hour():
    """The first PRESSROOM_DIGEST_HOUR after now (in TIME_ZONE): the releases matched so far are
    listed in its digests."""
    local = timezone.localtime(timezone.now())
    hour = local.replace(hour=settings.PRESSROOM_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return hour if hour > local else hour + timedelta(days=1)


def send_digests_now(capture) -> None:
    """The digests sent as if their hour had come, their tasks run at once."""
    with capture(execute=True):
        queue_digests(next_digest_hour())


def waits_between_attempts(delivery, attempts: int) -> list[int]:
    """Send `delivery` `attempts` times, each as soon as it is due; the minutes it waited before each."""
    from articles.alerts.sending import send_delivery

    waits = []
    for _ in range(attempts):
        delivery.refresh_from_db()
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 60))
        send_delivery(delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=1))
    return waits
