"""Background work on several nodes: task workers of two nodes on one database run each queued
task exactly once, whichever takes it (the tasks framework's database queue)."""

import sqlite3
import subprocess
import sys
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django_tasks import task

from .processes import PROJECT, database_of_its_own, environment, manage_with
from .waiting import eventually

pytestmark = pytest.mark.slow  # two workers and a few manage.py processes

TASKS = 40
RUNS_TABLE = "test_task_runs"  # made by the test in the nodes' database: a row for every run


@task()
def record_run(number: int) -> None:
    """A task that says, in the database, that it ran and on which node."""
    time.sleep(0.05)  # long enough that both workers are at the queue at once
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (number, node) VALUES (%s, %s)", [number, settings.PRESSROOM_NODE]
        )


QUEUE_THE_TASKS = f"""
from django.db import connection
from tests.test_tasks_on_several_nodes import record_run
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE {RUNS_TABLE} (number integer NOT NULL, node varchar(100) NOT NULL)")
for number in range({TASKS}):
    record_run.enqueue(number)
"""


def node(data_dir, name, database_url):
    """The environment of a node of its own (data directory, index) on the shared database."""
    return {**environment(data_dir), "DATABASE_URL": database_url, "PRESSROOM_NODE": name}


def query(database_url, sql):
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as held:
            return held.execute(sql).fetchall()
    with psycopg.connect(database_url) as held:
        return held.execute(sql).fetchall()


def run_ok(env, *args):
    done = manage_with(env, *args, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_nodes_workers_run_each_task_once(tmp_path):
    shared = tmp_path / "node-a"
    database_url = (
        database_of_its_own(shared).get("DATABASE_URL") or f"sqlite:///{shared / 'pressroom.sqlite3'}"
    )
    nodes = {name: node(tmp_path / name, name, database_url) for name in ("node-a", "node-b")}
    run_ok(nodes["node-a"], "migrate", "--verbosity", "0")

    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--interval", "0.05", "--no-startup-delay"],
            cwd=PROJECT,
            env=env,
            stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for name, env in nodes.items()
    ]
    try:
        eventually(
            lambda: query(database_url, "SELECT host FROM articles_workerheartbeat ORDER BY host"),
            lambda seen: seen == [("node-a",), ("node-b",)],
            what="a worker of each node",
        )
        started = time.monotonic()
        run_ok(nodes["node-b"], "shell", "--verbosity", "0", "-c", QUEUE_THE_TASKS)
        eventually(
            lambda: query(
                database_url,
                "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status",
            ),
            lambda seen: seen == [("SUCCESSFUL", TASKS)],
            what=f"the {TASKS} tasks done",
        )
        took = time.monotonic() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    runs = query(database_url, f"SELECT number, node FROM {RUNS_TABLE}")
    assert sorted(number for number, _ in runs) == list(range(TASKS)), "a task ran twice, or never"
    by_node = {name: sum(1 for _, ran_on in runs if ran_on == name) for name in nodes}
    assert all(by_node.values()), f"one node took every task: {by_node}"  # else nothing was shared
    print(f"{TASKS} tasks on two nodes in {took:.1f} s: {by_node}")
