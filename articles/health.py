"""Whether Pressroom can do its work: reach the database, open the search index, and (when
background tasks go through the database) have a task worker alive to run them."""

from django.db import DatabaseError, connection
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from .search import IndexUnavailable, index_version
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
    try:
        index_version()
        report["index"] = "ok"
    except IndexUnavailable as error:
        report["index"] = str(error)
    return report
