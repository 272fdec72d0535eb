"""The background task worker: its heartbeat on /healthz, and the batches a dead worker leaves."""

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from articles.importing import MAX_ATTEMPTS, REQUEST_LAPSE, process_import_batch
from articles.models import Article, ImportBatch, ImportFile, ImportItem, WorkerHeartbeat
from articles.worker import beat, recover

from .processes import manage
from .waiting import eventually

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

TWO_ARTICLES = b"title,date,body\nA,2019-01-01,Kenya.\nB,2019-01-02,Peru.\n"


@pytest.fixture
def tasks_in_the_database(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def heartbeat(worker_id, *, seconds_ago=0, pid=None):
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        host=settings.PRESSROOM_NODE,
        pid=pid or os.getpid(),
        started=seen,
        last_seen=seen,
    )


def a_pid_that_has_ended() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def task_for(batch, *, status="RUNNING", worker_id="w-dead"):
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        task_path=process_import_batch.module_path,
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=[worker_id] if status != "READY" else [],
    )


def batch_left_half_done():
    """A background batch of two releases whose worker recorded the first, then died."""
    batch = ImportBatch.objects.create(
        status=ImportBatch.Status.RUNNING, total=4, processed=3, created_count=3
    )
    source = ImportFile(batch=batch, name="list.csv", size=len(TWO_ARTICLES))
    source.upload.save("list.csv", ContentFile(TWO_ARTICLES), save=False)
    source.save()
    ImportItem.objects.create(
        batch=batch, source_file=source, position=0, location="line 2", outcome="failed", reason="earlier"
    )
    return batch


def test_healthz_reports_a_fresh_worker_as_ok(client, db, tasks_in_the_database):
    heartbeat("w-1", seconds_ago=3)
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    del report["node"]  # which node answered (test_health.py)
    assert report == {"status": "ok", "database": "ok", "task_worker": "ok", "index": "ok"}


def test_healthz_is_unavailable_when_the_worker_is_stale_or_never_started(client, db, tasks_in_the_database):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["task_worker"] == "not running (never seen)"
    heartbeat("w-1", seconds_ago=75)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["task_worker"] == "stale (last seen 75 s ago)"


def test_healthz_is_unavailable_when_the_workers_process_has_ended_though_its_beat_is_fresh(
    client, db, tasks_in_the_database
):
    heartbeat("w-dead", pid=a_pid_that_has_ended())  # killed a moment ago, and not yet restarted
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["task_worker"].startswith(
        "not running (its process ended"
    )


def test_beat_keeps_one_row_per_worker_with_its_last_time(db):
    beat("w-1")
    first = WorkerHeartbeat.objects.get().last_seen
    beat("w-1")
    seen = WorkerHeartbeat.objects.get()
    assert seen.last_seen > first and seen.pid == os.getpid()


def test_a_batch_whose_worker_died_is_resumed_to_done_with_counters_from_its_records(archive, editor_page):
    batch = batch_left_half_done()
    heartbeat("w-dead", pid=a_pid_that_has_ended())  # killed a moment ago: its beat is still fresh
    abandoned = task_for(batch, worker_id="w-dead")
    with archive.committed():
        recover()
    batch.refresh_from_db()
    assert batch.status == "done"
    assert (batch.processed, batch.total, batch.created_count, batch.failed_count) == (2, 2, 1, 1)
    assert list(Article.objects.values_list("title", flat=True)) == ["B"]
    abandoned.refresh_from_db()
    assert abandoned.status == "FAILED" and abandoned.exception_class_path == "articles.worker.WorkerDied"
    assert "2 of 2 releases" in editor_page(batch)


def test_a_batch_in_hand_is_not_queued_twice(db, tasks_in_the_database):
    waiting, running = batch_left_half_done(), batch_left_half_done()
    task_for(waiting, status="READY")
    heartbeat("w-alive")
    task_for(running, worker_id="w-alive")
    recover()
    assert DBTaskResult.objects.count() == 2
    assert set(ImportBatch.objects.values_list("status", flat=True)) == {"running"}


def test_a_batch_that_keeps_killing_its_worker_ends_failed(db):
    batch = batch_left_half_done()
    for _ in range(MAX_ATTEMPTS):
        task_for(batch, status="FAILED")
    recover()
    batch.refresh_from_db()
    assert batch.status == "failed" and f"Processing stopped {MAX_ATTEMPTS} times" in batch.failure


def test_batches_of_commands_and_requests_are_left_to_them(db):
    command_line = batch_left_half_done()
    ImportBatch.objects.filter(pk=command_line.pk).update(origin="command line")
    in_a_request = batch_left_half_done()  # a single upload, processed while the officer waits
    recover()
    assert set(ImportBatch.objects.values_list("status", flat=True)) == {"running"}
    assert {command_line.pk, in_a_request.pk} == set(ImportBatch.objects.values_list("pk", flat=True))


def test_an_upload_whose_request_died_is_taken_on_by_any_worker_once_no_request_can_be_at_it(archive):
    young, old = batch_left_half_done(), batch_left_half_done()
    ImportBatch.objects.filter(pk=old.pk).update(
        created=timezone.now() - REQUEST_LAPSE - timedelta(seconds=1)
    )
    with archive.committed():
        recover()  # what every task worker does every minute, and `prepare_archive` on any node
    young.refresh_from_db(), old.refresh_from_db()
    assert young.status == "running"  # another node's request may be processing it this moment
    assert old.status == "done" and old.processed == 2


@pytest.fixture
def editor_page(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("editor", "e@example.org", "a long password 123")
    )
    return lambda batch: client.get(f"/admin/articles/importbatch/{batch.pk}/change/").content.decode()


# Under gunicorn, for real: the worker killed with SIGKILL comes back and finishes what it left.


def health(served) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(served.url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def shell(served, code: str) -> str:
    return manage(served.log.parent, "shell", "--verbosity", "0", "-c", code).stdout.strip()


LEAVE_A_BATCH_HALF_DONE = """
from django.conf import settings
from django.core.files.base import ContentFile
from django_tasks_db.models import DBTaskResult, get_date_max
from articles.importing import process_import_batch
from articles.models import ImportBatch, ImportFile, ImportItem, WorkerHeartbeat
worker = WorkerHeartbeat.objects.get(pid={pid})
batch = ImportBatch.objects.create(status="running", total=4, processed=3, created_count=3)
source = ImportFile(batch=batch, name="list.csv")
source.upload.save(
    "list.csv", ContentFile(b"title,date,body\\nKilled A,2019-01-01,Kenya.\\nKilled B,2019-01-02,Peru.\\n")
)
ImportItem.objects.create(
    batch=batch, source_file=source, position=0, location="line 2", outcome="failed", reason="earlier"
)
DBTaskResult.objects.create(
    status="RUNNING", args_kwargs={{"args": [batch.pk], "kwargs": {{}}}},
    task_path=process_import_batch.module_path, backend_name="default", run_after=get_date_max(),
    worker_ids=[worker.worker_id],
)
print(batch.pk)
"""

QUEUE_A_BATCH = """
from django.conf import settings
from django.core.files.base import ContentFile
from articles.importing import process_import_batch
from articles.models import ImportBatch, ImportFile
batch = ImportBatch.objects.create()
source = ImportFile(batch=batch, name="after.csv")
source.upload.save("after.csv", ContentFile(b"title,date,body\\nQueued after the kill,2019-03-01,Chile.\\n"))
process_import_batch.enqueue(batch.pk)
print(batch.pk)
"""

BATCH_STATE = (
    "from articles.models import ImportBatch as B; b = B.objects.get(pk={pk}); "
    "print(b.status, b.processed, b.total, b.created_count, b.failed_count)"
)


@pytest.fixture
def served_alone(tmp_path):
    """A `make serve` of this test's own: it kills the worker and adds releases."""
    from .serving import serving

    with serving(tmp_path / "data", demo_articles=0) as server:
        yield server


def test_a_killed_worker_is_restarted_and_finishes_the_batch_it_left(served_alone):
    served = served_alone
    (worker,) = eventually(served.task_worker_pids, what="a task worker")
    eventually(
        lambda: health(served),
        lambda seen: (
            seen[0] == 200
            and {key: seen[1][key] for key in ("status", "database", "task_worker", "index")}
            == {"status": "ok", "database": "ok", "task_worker": "ok", "index": "ok"}
        ),
        what="a healthy worker",
    )
    eventually(
        lambda: shell(
            served,
            "from articles.models import WorkerHeartbeat as W; "
            f"print(W.objects.filter(pid={worker}).count())",
        ),
        lambda count: count == "1",
        what=f"the heartbeat of worker {worker}",
    )
    left = shell(served, LEAVE_A_BATCH_HALF_DONE.format(pid=worker))  # as if it had been importing
    # The kill lands mid-batch: the batch is the live worker's, still running, one release short.
    assert shell(served, BATCH_STATE.format(pk=left)) == "running 3 4 3 0"

    os.kill(worker, signal.SIGKILL)
    (restarted,) = eventually(
        lambda: [pid for pid in served.task_worker_pids() if pid != worker], what="a new worker"
    )

    eventually(
        lambda: shell(served, BATCH_STATE.format(pk=left)),
        lambda state: state == "done 2 2 1 1",
        what="the resumed batch",
    )
    after = shell(served, QUEUE_A_BATCH)
    eventually(
        lambda: shell(served, BATCH_STATE.format(pk=after)),
        lambda state: state == "done 1 1 1 0",
        what="a batch queued after the kill",
    )
    status, report = health(served)
    assert status == 200 and report["task_worker"] == "ok"
    assert (
        shell(
            served,
            "from articles.models import WorkerHeartbeat as W; "
            f"print(W.objects.filter(pid={restarted}).count())",
        )
        == "1"
    )
    assert f"task worker (pid {worker}) stopped" in served.log.read_text()


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="SQLite's write lock")
def test_the_worker_outlasts_a_database_locked_past_its_timeout(tmp_path):
    import sqlite3
    import sys

    from .processes import PROJECT, environment, new_archive

    data_dir = tmp_path / "data"
    new_archive(data_dir, articles=0)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=PROJECT,
        env=environment(data_dir),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        eventually(
            lambda: manage(
                data_dir,
                "shell",
                "-v",
                "0",
                "-c",
                "from articles.models import WorkerHeartbeat as W; print(W.objects.count())",
            ).stdout.strip(),
            lambda count: count == "1",
            what="the worker's heartbeat",
        )
        holder = sqlite3.connect(data_dir / "pressroom.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # as an import that holds the write lock for minutes did
        # Held until the worker has met it past the 20 s it waits when it looks for a task (its
        # warning says so): the fault landed where db_worker used to give up, not before.
        eventually(
            log.read_text,
            lambda text: "the database stayed locked; looking for tasks again" in text,
            what="the worker to meet the lock past its timeout",
        )
        holder.execute("COMMIT")
        holder.close()
        assert worker.poll() is None, log.read_text()[-3000:]
        queued = manage(data_dir, "shell", "-v", "0", "-c", QUEUE_A_BATCH).stdout.strip()
        state = f"from articles.models import ImportBatch as B; print(B.objects.get(pk={queued}).status)"
        eventually(
            lambda: manage(data_dir, "shell", "-v", "0", "-c", state).stdout.strip(),
            lambda status: status == "done",
            what="the import after the lock",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
