"""Which sources are polled, by whom: the task worker's heartbeat (worker.py) claims the due sources
and queues a task for each; the task takes its source for the length of its poll.

Claiming moves a source's next poll HOLD_LAPSES_AFTER ahead, in one transaction (rows locked and
skipped by other workers on PostgreSQL; SQLite's write lock serialises), so a due source is queued
once however many workers beat. Taking marks it `polling_since`, in one UPDATE, so two tasks
never poll one source at once. A worker killed mid-poll leaves a hold that lapses, and the source
is due again when its claim does: nothing is left stuck.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from ..models import HarvestSource
from .polling import poll_source

logger = logging.getLogger(__name__)

MAX_CLAIMED = 50  # per heartbeat: the others are claimed at the next one


def claim_due_sources(now=None, sources=None) -> list[int]:
    """Claim the due sources (of `sources`, when given, whether due or not) for a poll each."""
    now = now or timezone.now()
    with transaction.atomic():
        if sources is None:
            chosen = HarvestSource.objects.due(now)
        else:
            chosen = sources.filter(_unheld(now))
        claimed = list(chosen.select_for_update(skip_locked=True).values_list("pk", flat=True)[:MAX_CLAIMED])
        HarvestSource.objects.filter(pk__in=claimed).update(next_poll=now + HarvestSource.HOLD_LAPSES_AFTER)
    return claimed


def queue_polls(sources=None) -> list[int]:
    """Claim the due sources (or `sources`) and queue a poll of each; their ids."""
    claimed = claim_due_sources(sources=sources)
    for source_id in claimed:
        poll_source_task.enqueue(source_id)
    return claimed


def take(source_id: int, now=None) -> HarvestSource | None:
    """The source, held for this poll; None when another poll holds it."""
    now = now or timezone.now()
    held = HarvestSource.objects.filter(_unheld(now), pk=source_id).update(polling_since=now)
    return HarvestSource.objects.filter(pk=source_id).first() if held else None


def _unheld(now) -> Q:
    return Q(polling_since__isnull=True) | Q(polling_since__lt=now - HarvestSource.HOLD_LAPSES_AFTER)


@task()
def poll_source_task(source_id: int) -> str:
    """The background task: poll one claimed source (its batch's processing is queued by the poll)."""
    source = take(source_id)
    if source is None:
        return f"source {source_id} is being polled already"
    batch = poll_source(source)
    if batch is None:
        return HarvestSource.objects.get(pk=source_id).last_error or "nothing new"
    return f"batch {batch.pk}"
