"""A Pressroom under gunicorn per module, as `make serve` runs it, and what to ask it."""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..processes import PROJECT, environment, manage
from ..serving import ServedPressroom
from .web import Client

PASSWORD = "hostile inputs are users too 42"
CLIENT_THREADS = 4  # as many as one gunicorn worker has threads; the machine has two cores


class Site:
    """A served Pressroom and the questions the suite asks of it beside HTTP."""

    def __init__(self, server: ServedPressroom, data_dir: Path):
        self.server, self.data_dir, self.url = server, data_dir, server.url
        self.client = Client(server.url)
        self.pool = ThreadPoolExecutor(CLIENT_THREADS)

    def stored_article_count(self) -> int:
        code = "from articles.models import Article; print(Article.objects.count())"
        return int(manage(self.data_dir, "shell", "-c", code).stdout.split()[-1])

    def indexed_article_count(self) -> int:
        return json.loads(self.client.get("/api/search").body)["count"]

    def processes(self) -> set[int]:
        """The gunicorn master's children: its web workers and the task worker."""
        return set(self.server.worker_pids())

    def task_worker(self) -> int | None:
        for pid in self.processes():
            try:
                if b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
            except OSError:
                continue
        return None

    def import_files(self, *paths) -> subprocess.CompletedProcess:
        return manage(self.data_dir, "import_articles", *paths, check=False)

    def check_index(self) -> subprocess.CompletedProcess:
        return manage(self.data_dir, "check_index", check=False)

    def server_errors(self) -> list[str]:
        """The last line of each traceback of a request that failed (500), for the failure reports."""
        found = []
        for line in self.server.log.read_text(errors="replace").splitlines():
            if '"traceback"' in line and '"django.request"' in line:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                found.append(event["traceback"].strip().splitlines()[-1])
        return found

    def task_errors(self) -> list[str]:
        """The last line of each traceback of a failed import task (the task worker names no batch)."""
        found = []
        for line in self.server.log.read_text(errors="replace").splitlines():
            if line.startswith("{") and "process_import_batch" in line and '"traceback"' in line:
                found.append(json.loads(line)["traceback"].strip().splitlines()[-1][:200])
        return found

    def create_superuser(self, username="officer"):
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "createsuperuser",
                "--noinput",
                "--username",
                username,
                "--email",
                "o@example.org",
            ],
            cwd=PROJECT,
            env={**environment(self.data_dir), "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
        )

    def signed_in(self, username="officer") -> Client:
        client = Client(self.url)
        form = client.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
        client.cookies.setdefault("csrftoken", token)
        answer = client.post(
            "/admin/login/?next=/admin/", fields=[("username", username), ("password", PASSWORD)]
        )
        assert answer.status == 302, f"sign-in failed: {answer.status} {answer.text[:300]}"
        return client


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("hostile")
    server = ServedPressroom(data_dir, demo_articles=int(os.environ.get("PRESSROOM_HOSTILE_ARTICLES", "120")))
    server.start()
    served = Site(server, data_dir)
    yield served
    served.pool.shutdown(cancel_futures=True)
    server.stop()


@pytest.fixture(scope="module")
def fuzz_office(site):
    site.create_superuser("fuzzer")
    return site.signed_in("fuzzer")
