"""The background task worker's signs of life, and what a worker that died left behind.

The worker (`manage.py task_worker`) writes a heartbeat every few seconds, which /healthz
reads. A task whose worker died stays "running" in django-tasks' table forever; `recover`
marks it failed and queues its import batch again, which resumes after the last recorded
release. The worker recovers when it starts and every minute after, when it also prunes the
change log the indexes follow (search/nodes.py). At every beat it queues a
poll of each harvesting source that is due (harvesting/scheduling.py), and the alert matching,
digests and e-mails that are due (alerts/work.py): an immediate alert leaves within seconds.
"""

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
STALE_AFTER_SECONDS = 60
RECOVER_EVERY_BEATS = 12  # once a minute


class WorkerDied(Exception):
    """Recorded as the error of a task whose worker stopped before finishing it."""


def beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen": now},
        create_defaults={
            "host": settings.PRESSROOM_NODE,
            "pid": os.getpid(),
            "started": now,
            "last_seen": now,
        },
    )


def worker_state() -> str:
    """For /healthz: "ok" when a worker was seen within a minute, else how long ago."""
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if latest is None:
        return "not running (never seen)"
    seconds = (timezone.now() - latest.last_seen).total_seconds()
    if seconds > STALE_AFTER_SECONDS:
        return f"stale (last seen {seconds:.0f} s ago)"
    if not live_worker_ids():  # a recent beat from a process of this machine that has ended (killed, say)
        return f"not running (its process ended; last seen {seconds:.0f} s ago)"
    return "ok"


def live_worker_ids() -> set[str]:
    fresh = WorkerHeartbeat.objects.filter(
        last_seen__gte=timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    )
    return {heartbeat.worker_id for heartbeat in fresh if not _gone(heartbeat)}


def _gone(heartbeat: WorkerHeartbeat) -> bool:
    """A worker of this node whose process has ended, though its last beat is recent (killed, say).

    Keyed on the node's name, not the host name: nodes on machines of one host name (containers,
    say) must never take each other's live workers for dead by a pid that is not theirs."""
    if heartbeat.host != settings.PRESSROOM_NODE:
        return False  # only its heartbeat going stale tells
    try:
        os.kill(heartbeat.pid, 0)
    except ProcessLookupError:
        return True
    except (
        PermissionError
    ):  # the pid is alive, run by another user (a worker of its own, or a reuse of the pid)
        return False
    return False


def recover() -> None:
    """Fail the tasks of workers that died and queue their batches again."""
    from .importing import resume_unfinished_batches  # importing's task needs the app loaded

    with transaction.atomic():  # one worker at a time recovers (the lock), so nothing is queued twice
        alive = live_worker_ids()
        running = DBTaskResult.objects.running().select_for_update()
        for result in running:
            if not result.worker_ids or result.worker_ids[-1] not in alive:
                logger.warning(
                    "task %s (%s) was left running by worker %s, which has died",
                    result.id,
                    result.task_path,
                    result.worker_ids[-1:],
                )
                result.set_failed(
                    WorkerDied(f"worker {result.worker_ids[-1:]} stopped while running this task")
                )
        resume_unfinished_batches()


def queue_due_polls() -> None:
    """Queue the due harvesting polls; a failure to is logged, and never stops the worker or its beats."""
    from .harvesting.scheduling import queue_polls  # its tasks need the app loaded

    try:
        queue_polls()
    except Exception:
        logger.exception("harvesting: the due sources could not be queued; tried again at the next beat")


def prune_the_change_log() -> None:
    """Every minute: the log entries every node has applied go; a failure waits for the next minute."""
    from .search import prune_change_log

    try:
        prune_change_log()
    except Exception:
        logger.exception("change log: pruning failed; tried again in a minute")


def queue_due_alerts(beats: int = 0) -> None:
    """Queue the alert matching owed and the e-mails due; a failure to is logged, and tried again."""
    from .alerts.work import queue_alert_work  # its tasks need the app loaded

    try:
        queue_alert_work(beats)
    except Exception:
        logger.exception(
            "alerts: the matching and e-mails due could not be queued; tried again at the next beat"
        )


def start_heartbeat(worker_id: str) -> threading.Event:
    """Beat now, recover, and go on beating in a thread; set the returned event to stop it."""
    beat(worker_id)
    # Every start is a new worker id: the beats of workers long gone are not worth keeping.
    WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - timedelta(days=1)).delete()
    recover()
    queue_due_polls()
    queue_due_alerts()
    stop = threading.Event()
    threading.Thread(
        target=_keep_beating, args=(worker_id, stop), name="task-worker-heartbeat", daemon=True
    ).start()
    return stop


def _keep_beating(worker_id: str, stop: threading.Event) -> None:
    beats = 0
    while not stop.wait(HEARTBEAT_SECONDS):
        beats += 1
        close_old_connections()
        try:
            beat(worker_id)
            if beats % RECOVER_EVERY_BEATS == 0:
                recover()
                prune_the_change_log()
            queue_due_polls()
            queue_due_alerts(beats)
        except (
            Exception
        ):  # a locked or unreachable database: beat again later, and /healthz will say so if it lasts
            logger.exception("task worker %s: heartbeat failed", worker_id)
    connection.close()
