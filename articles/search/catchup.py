"""A thread in each web worker that writes index updates no request could write itself.

A request that finds the index's write lock taken leaves its update owed and returns at
once; this thread pays such debts within a second, so a change committed in any process
reaches every worker's searches quickly, and nobody waits behind the lock.
"""

import logging
import os
import threading
import time

from django.db import close_old_connections

from ..models import PendingIndexUpdate
from .sync import apply_pending_updates

logger = logging.getLogger(__name__)

CATCHUP_INTERVAL_SECONDS = 0.5
_started_in_process = None


def start_index_catchup(interval: float = CATCHUP_INTERVAL_SECONDS) -> None:
    """Start this process's catch-up thread, once (gunicorn calls it in each worker)."""
    global _started_in_process
    if _started_in_process == os.getpid():
        return
    _started_in_process = os.getpid()
    threading.Thread(target=_catch_up_forever, args=(interval,), name="index-catchup", daemon=True).start()


def _catch_up_forever(interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            close_old_connections()
            if PendingIndexUpdate.objects.exists():
                apply_pending_updates()
        except Exception:  # a database or disk hiccup must not end the thread; it retries
            logger.exception("index catch-up failed; retrying in %.1fs", interval)
