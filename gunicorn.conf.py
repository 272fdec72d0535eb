"""gunicorn settings for `make serve`; PORT picks the port (8000 by default)."""

import os
import subprocess
import sys
import threading
import time

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
    os.environ.get("PRESSROOM_DATA_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "var")),
    "gunicorn.ctl",
)


def on_starting(server):
    """Build the gazetteer (place names for country tags and spelling) once, in the master, before
    any worker is forked: each inherits it, where building its own took 0.75 s of CPU that its
    first searches waited behind. It reads only the place-name packages, neither database nor index."""
    from articles.ingest.gazetteer import gazetteer

    gazetteer()


def post_worker_init(worker):
    """Each worker pays the index updates that requests left owed (see articles/search/catchup.py),
    and reads the index's arrays before its first search needs them."""
    import threading

    from articles.search import read_ahead, start_index_catchup

    start_index_catchup()
    threading.Thread(target=read_ahead, name="index-read-ahead", daemon=True).start()


# The master's pid, for `kill -HUP $(cat var/gunicorn.pid)` (graceful reload) and for tests.
pidfile = os.path.join(os.path.dirname(control_socket), "gunicorn.pid")


def when_ready(server):
    """Start the background task worker (bulk imports) beside the web workers, and keep it running."""
    server.task_worker = TaskWorkerSupervisor(server.log)
    server.task_worker.start()


def on_exit(server):
    """Stop the task worker with gunicorn; an import it was running resumes at the next start."""
    supervisor = getattr(server, "task_worker", None)
    if supervisor:
        supervisor.stop()


class TaskWorkerSupervisor:
    """Runs `manage.py task_worker` and starts it again whenever it exits, waiting longer each
    time it dies soon after starting (1 s, 2 s, 4 s ... up to a minute), so a worker that cannot
    start does not spin. Each exit and restart is logged."""

    COMMAND = [sys.executable, "manage.py", "task_worker", "--interval", "1"]
    LONGEST_WAIT = 60.0
    LIVED_LONG_ENOUGH = 60.0  # a worker that ran this long died of something new: restart at once

    def __init__(self, log):
        self.log = log
        self.process = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # no worker is started once stop() has begun
        self._thread = threading.Thread(target=self._supervise, name="task-worker-supervisor", daemon=True)
        # Popen waits until the new process has exec'd, reading a pipe whose writing end a web
        # worker forked meanwhile by the arbiter would inherit and keep open (it never execs),
        # so Popen would wait for that web worker to exit. The arbiter's forks wait for ours.
        self._spawning = threading.Lock()
        os.register_at_fork(
            before=self._spawning.acquire,
            after_in_parent=self._spawning.release,
            after_in_child=self._spawning.release,
        )

    def start(self):
        self._thread.start()

    def _spawn(self):
        with self._spawning:  # Popen's own fork runs no at-fork hooks (there is no preexec_fn)
            return subprocess.Popen(self.COMMAND, cwd=os.path.dirname(os.path.abspath(__file__)))

    def _supervise(self):
        wait = 1.0
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                started = time.monotonic()
                self.process = self._spawn()
            self.log.info("task worker started (pid %s)", self.process.pid)
            # poll(), not wait(): the arbiter reaps every child with waitpid(-1), and poll() then
            # sees the process gone (though not its exit status, hence none in the log below).
            while self.process.poll() is None and not self._stopping.wait(1.0):
                pass
            if self._stopping.is_set():
                return
            lived = time.monotonic() - started
            wait = 1.0 if lived >= self.LIVED_LONG_ENOUGH else wait
            self.log.error(
                "task worker (pid %s) stopped after %.0f s; starting it again in %.0f s",
                self.process.pid,
                lived,
                wait,
            )
            self._stopping.wait(wait)
            wait = min(wait * 2, self.LONGEST_WAIT)

    def stop(self):
        with self._lock:
            self._stopping.set()
            process = self.process
        if process and process.poll() is None:
            process.terminate()  # db_worker finishes the task in hand, then exits
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout=5)
