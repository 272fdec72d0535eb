import logging

from django.db import OperationalError
from django_tasks_db.management.commands import db_worker
from django_tasks_db.utils import is_locked_database_exception

from articles.worker import start_heartbeat

logger = logging.getLogger("articles.worker")


class Command(db_worker.Command):
    help = (
        "Run the background task worker (bulk imports): django-tasks' db_worker, with a heartbeat that "
        "/healthz reports, and resuming the batches a worker that died left unfinished."
    )

    def handle(self, *args, worker_id, reload, **options):
        # No --reload: it would run the tasks in a child process the heartbeat cannot vouch for.
        stop = start_heartbeat(worker_id)
        try:
            while True:
                try:
                    return super().handle(*args, worker_id=worker_id, reload=False, **options)
                except OperationalError as error:
                    # db_worker gives up when SQLite stays locked past its timeout while it looks
                    # for a task; looking again later is all there is to do.
                    if not is_locked_database_exception(error):
                        raise
                    logger.warning(
                        "task worker %s: the database stayed locked; looking for tasks again", worker_id
                    )
        finally:
            stop.set()
