"""The alerts' background tasks, and what the task worker's heartbeat queues (worker.py)."""

import logging

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from ..webhooks.sending import queue_due_webhook_deliveries
from .digests import queue_digests
from .matching import match_pending
from .models import PendingAlertMatch
from .sending import queue_due_deliveries, send_delivery
from .subscribing import forget_unconfirmed
from .throttling import forget_old_requests

logger = logging.getLogger(__name__)

TIDY_EVERY_BEATS = 720  # about once an hour
# Digests are due from their hour until sent, so every beat would ask; once a minute is soon enough,
# and spares the database a query over every release still owed to a digest every 5 seconds.
DIGESTS_EVERY_BEATS = 12


@task()
def match_releases_task() -> str:
    """Match every release owed matching, a batch at a time."""
    alerts = 0
    while PendingAlertMatch.objects.exists():
        alerts += match_pending()
        queue_due_webhook_deliveries()
        queue_due_deliveries()  # the first immediate e-mails now, not at the next heartbeat
    return f"{alerts} alerts owed"


@task()
def send_delivery_task(delivery_id: int) -> str:
    return send_delivery(delivery_id)


def queue_alert_work(beats: int = 0) -> None:
    """At each heartbeat: the matching owed, the digests due and the e-mails due, each queued once."""
    if PendingAlertMatch.objects.exists() and not _waiting(match_releases_task):
        match_releases_task.enqueue()
    if beats % DIGESTS_EVERY_BEATS == 0:
        queue_digests()
    queue_due_deliveries()
    queue_due_webhook_deliveries()
    if beats % TIDY_EVERY_BEATS == 0:
        forget_unconfirmed()
        forget_old_requests()


def _waiting(task_) -> bool:
    """A task of this kind is queued or running already (the database backend only says)."""
    return DBTaskResult.objects.filter(
        task_path=task_.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists()
