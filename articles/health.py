"""Whether Pressroom can do its work: reach the database, open a search index that keeps up with
the change log, and (when background tasks go through the database) have a task worker alive
to run them."""

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from .search import IndexUnavailable, index_version, this_node_standing
from .worker import worker_state


def health_report() -> dict[str, str]:
    """Each dependency's state, "ok" or what is wrong with it."""
    report = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except DatabaseError as error:
        report["database"] = f"unreachable ({type(error).__name__})"
    if isinstance(
        task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend
    ):  # otherwise tasks run where they are queued
        try:
            report["task_worker"] = worker_state()
        except DatabaseError as error:
            report["task_worker"] = f"unknown ({type(error).__name__})"
    report["index"] = _index_state()
    return report


def _index_state() -> str:
    try:
        index_version()
        standing = this_node_standing()
    except IndexUnavailable as error:
        return str(error)
    except DatabaseError as error:
        return f"unknown ({type(error).__name__})"
    if standing.too_far_behind:
        limit = settings.PRESSROOM_MAX_INDEX_LAG_SECONDS
        return f"behind: {standing.describe()} (PRESSROOM_MAX_INDEX_LAG_SECONDS is {limit:g})"
    return "ok"


def node_details() -> dict:
    """Which node answered, and where its index stands: for the operator, not the load balancer."""
    try:
        standing = this_node_standing()
    except (IndexUnavailable, DatabaseError):
        return {"name": settings.PRESSROOM_NODE}
    return {
        "name": standing.node,
        "generation": standing.generation,
        "unapplied_changes": standing.unapplied,
        "lag_seconds": round(standing.lag_seconds, 3),
    }
