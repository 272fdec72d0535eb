"""gunicorn settings for `make serve`; PORT picks the port (8000 by default)."""
import os
import subprocess
import sys

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Whoosh searchers are per thread and memory-mapped, so threads are cheap; processes give
# the second core something to do.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
accesslog = "-"
# One line per request, with the id Django's log lines carry (pressroom/request_log.py).
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
# gunicorn's control socket goes in the data directory, so two Pressrooms on one machine
# (or a test run beside `make serve`) do not share one.
control_socket = os.path.join(
    os.environ.get("PRESSROOM_DATA_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "var")), "gunicorn.ctl"
)


def post_worker_init(worker):
    """Each worker pays the index updates that requests left owed (see articles/search/catchup.py),
    and reads the index's arrays before its first search needs them."""
    import threading

    from articles.search.catchup import start_index_catchup
    from articles.search.index import read_ahead

    start_index_catchup()
    threading.Thread(target=read_ahead, name="index-read-ahead", daemon=True).start()

# The master's pid, for `kill -HUP $(cat var/gunicorn.pid)` (graceful reload) and for tests.
pidfile = os.path.join(os.path.dirname(control_socket), "gunicorn.pid")


def when_ready(server):
    """Start the background task worker (bulk imports) beside the web workers."""
    server.task_worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    server.log.info("task worker started (pid %s)", server.task_worker.pid)


def on_exit(server):
    """Stop the task worker with gunicorn; an import it was running resumes at the next start."""
    worker = getattr(server, "task_worker", None)
    if worker and worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
