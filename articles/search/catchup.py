"""A thread in each web worker that keeps this node's index following the change log.

Within a second it applies what the index lacks: changes committed on other nodes, and those
a request of this node left because it found the index's write lock taken (requests never
wait behind the lock). Every few seconds it reports where the index stands (nodes.py), and
an index that fell behind the pruned log is rebuilt, by one worker while the others serve.
"""

import logging
import os
import threading
import time

from django.db import close_old_connections

from .damage import IndexUnavailable
from .nodes import report_this_node, this_node_standing
from .sync import apply_pending_updates, rebuild_index

logger = logging.getLogger(__name__)

CATCHUP_INTERVAL_SECONDS = 0.5
REPORT_INTERVAL_SECONDS = 5.0
_started_in_process = None


def start_index_catchup(interval: float = CATCHUP_INTERVAL_SECONDS) -> None:
    """Start this process's catch-up thread, once (gunicorn calls it in each worker)."""
    global _started_in_process
    if _started_in_process == os.getpid():
        return
    _started_in_process = os.getpid()
    threading.Thread(target=_catch_up_forever, args=(interval,), name="index-catchup", daemon=True).start()


def _catch_up_forever(interval: float) -> None:
    reported = 0.0
    while True:
        time.sleep(interval)
        try:
            close_old_connections()
            apply_pending_updates()
            if time.monotonic() - reported >= REPORT_INTERVAL_SECONDS:
                reported = time.monotonic()
                report_and_repair()
        except Exception:  # a database or disk hiccup must not end the thread; it retries
            logger.exception("index catch-up failed; retrying in %.1fs", interval)


def report_and_repair() -> None:
    """Report this node's standing; rebuild its index if the entries it lacks were pruned."""
    try:
        standing = this_node_standing()
    except IndexUnavailable:
        return  # searches say so, and the log says to rebuild
    report_this_node(standing)
    if standing.before_pruned:
        logger.error("the index lacks changes already pruned from the log; rebuilding it")
        if rebuild_index(wait=False) is not None:
            report_this_node(this_node_standing())
