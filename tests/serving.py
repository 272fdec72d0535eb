"""Run Pressroom the way the README says, `make serve`, against a throwaway data directory."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from .processes import children_of, database_of_its_own
from .waiting import DEADLINE_SECONDS, eventually

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedPressroom:
    def __init__(self, data_dir: Path, demo_articles: int, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "serve.log"
        self.env = {
            # As a developer runs it: `make serve` supplies SECRET_KEY_FILE and ALLOWED_HOSTS itself.
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("PRESSROOM_", "DJANGO_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS"))
            },
            **database_of_its_own(data_dir),
            "PRESSROOM_DATA_DIR": str(data_dir),
            "PRESSROOM_DEMO_ARTICLES": str(demo_articles),
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
        }
        self.process = None

    def start(self, seconds=DEADLINE_SECONDS) -> float:
        """Start `make serve`; returns the seconds it took to answer."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            ["make", "serve"],
            cwd=PROJECT,
            env=self.env,
            start_new_session=True,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        eventually(
            lambda: self._status("/api/search"), what=f"make serve to answer ({self.log})", seconds=seconds
        )
        answered = time.monotonic() - started
        # The task worker starts beside gunicorn and reports a moment later: /healthz is ok then.
        # A test that wants /healthz otherwise asserts it; this only keeps the start from racing.
        eventually(lambda: self._status("/healthz"), what="the task worker's first heartbeat on /healthz")
        return answered

    def _status(self, path) -> int | None:
        """The status of a successful answer to `path`; None while it does not answer yet."""
        if self.process.poll() is not None:
            raise RuntimeError(
                f"make serve exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status
        except OSError:  # not listening yet, or 503 until the worker's first heartbeat
            return None

    def stop(self):
        self.__dict__.pop("master_pid", None)  # a next start has another master
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @cached_property
    def master_pid(self) -> int:
        # Read once: the master keeps its pid across reloads, but rewrites its pid file on a HUP,
        # which is briefly absent then.
        return int((self.log.parent / "gunicorn.pid").read_text())

    def worker_pids(self) -> list[int]:
        return children_of(self.master_pid)

    def task_worker_pids(self) -> list[int]:
        """The master's children running `manage.py task_worker` (one, unless it is being restarted)."""
        pids = []
        for pid in self.worker_pids():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"task_worker" in command:
                pids.append(pid)
        return pids


@contextmanager
def serving(data_dir: Path, **options):
    """A `make serve` of its own on `data_dir`, stopped when the block ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = ServedPressroom(data_dir, **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
