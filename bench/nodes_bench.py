"""Several nodes, one change log (issue 18): a follower applying 10,000 changes, and the time
from commit to searchable on every node, each beside the queue of owed updates it replaced.

    .venv/bin/python bench/nodes_bench.py --articles 2000 --changes 10000 --commits 30
    DATABASE_URL=postgres://pressroom:pressroom@127.0.0.1:5432/pressroom .venv/bin/python bench/nodes_bench.py

On PostgreSQL the benchmark works in a database of its own beside the one named (made and
dropped here), so nobody's archive is touched; on SQLite every node shares one database file.

1. Throughput: `apply_pending_updates` on an index whose cursor lies 10,000 entries behind,
   against the queue as it was until 5faa1cf (its model, PendingIndexUpdate, taken from the
   migrations as they stood before the log, and its consume-and-delete loop copied below),
   given the same 10,000 article ids, writing the same Whoosh index from the same copy. Runs
   alternate queue, log; each also runs once with the documents not written, which leaves
   what differs between the two: the bookkeeping (reading the log and moving a cursor, against
   reading the queue and deleting from it).
2. Commit to searchable: three gunicorn nodes, each with its own data directory and index,
   on one database. This process is the committing node's writer (as an import or an admin
   edit on node a is): it edits a release's title to hold a new word, and its commit writes
   node a's index, which is what the queue did on its one node (the baseline). Nodes b and c
   find the change through their catch-up threads. Every node is polled through its JSON API
   from the moment of the commit until it finds the word. Under the queue, b and c never did.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from harness import bench_secrets, percentiles, print_table, save, setup_django, start_gunicorn

NODES = ("a", "b", "c")  # a commits; b and c follow the log
BEFORE_THE_LOG = ("articles", "0011_webhooks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1, help="of the throughput runs with documents written")
    parser.add_argument("--commits", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2019)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-nodes-bench-"))
    given = os.environ.get("DATABASE_URL")
    database = own_database(given)
    try:
        if database:
            os.environ["DATABASE_URL"] = database
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{work / 'shared.sqlite3'}"
        setup_django(work / "node-a")
        prepare_archive(options.articles, options.seed)
        from django.db import connection

        engine = connection.vendor
        print(f"{options.articles:,} releases on {engine}, {os.cpu_count()} cores", flush=True)
        throughput = measure_throughput(options.changes, options.rounds, work)
        report_throughput(throughput, options.changes, engine)
        latency = measure_commit_to_searchable(options.commits, work, options.seed)
        report_latency(latency, engine)
        saved = {
            "engine": engine,
            "articles": options.articles,
            "changes": options.changes,
            "throughput": throughput,
            "commit_to_searchable_ms": latency,
        }
        print(f"\nWritten to {save('nodes', saved)}")
    finally:
        from django.db import connections

        connections.close_all()
        if database:
            drop_database(database, given)
        shutil.rmtree(work, ignore_errors=True)


# --- the database -------------------------------------------------------------------------


def own_database(url: str | None) -> str | None:
    """A fresh PostgreSQL database beside the one `url` names, for this run alone (None on SQLite)."""
    if not url or not url.startswith("postgres"):
        return None
    import psycopg

    name = f"pressroom_nodes_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


def drop_database(url: str, given: str) -> None:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(given, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_archive(articles: int, seed: int) -> None:
    from django.core.management import call_command

    call_command("rebuild_index", verbosity=0)
    print(f"Generating {articles:,} releases (seed {seed}) ...", flush=True)
    call_command("generate_articles", articles, seed=seed, verbosity=0)


# --- 1. throughput ---------------------------------------------------------------------------


def measure_throughput(changes: int, rounds: int, work: Path) -> dict:
    from articles.models import Article
    from articles.search.generations import current_generation

    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    # Consecutive ids, so each batch of 1,000 holds 1,000 different releases, as an import's would.
    owed = [ids[number % len(ids)] for number in range(changes)]
    pristine = work / "pristine-index"
    shutil.copytree(current_generation(), pristine)
    queue = the_queue_model()
    runs = {"queue": [], "log": [], "queue, bookkeeping only": [], "log, bookkeeping only": []}
    plan = [(path, True) for _ in range(rounds) for path in ("queue", "log")]
    plan += [(path, False) for _ in range(3) for path in ("queue", "log")]
    written = set()  # documents written (or skipped) per run: the same for both ways
    try:
        for path, writing in plan:
            fresh_index_from(pristine)
            seconds, applied = (apply_the_queue if path == "queue" else apply_the_log)(owed, queue, writing)
            written.add(applied)
            runs[path if writing else f"{path}, bookkeeping only"].append(seconds)
            print(f"  {path}{'' if writing else ' (bookkeeping only)'}: {seconds:.2f} s", flush=True)
    finally:
        from django.db import connection

        with connection.schema_editor() as editor:
            editor.delete_model(queue)
    assert len(written) == 1, written
    return {path: statistics.median(seconds) for path, seconds in runs.items()} | {"runs": runs}


def the_queue_model():
    """PendingIndexUpdate as the migrations left it before the change log, and its table made again."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(connection).project_state(BEFORE_THE_LOG)
    model = state.apps.get_model("articles", "PendingIndexUpdate")
    with connection.schema_editor() as editor:
        editor.create_model(model)
    return model


def fresh_index_from(pristine: Path) -> None:
    """A copy of the index as it was before the changes, live; this process opens it afresh."""
    from articles.search.generations import index_root, make_current, remove_replaced_generations
    from articles.search.process_index import forget_process_index

    copy = index_root() / f"generation-{time.time_ns()}"
    shutil.copytree(pristine, copy)
    make_current(copy)
    remove_replaced_generations()
    forget_process_index()


def apply_the_log(owed: list[int], queue, writing: bool) -> float:
    """Record the changes in the log (not timed), then time the follower applying them all."""
    from django.db import transaction

    from articles.models import IndexChange
    from articles.search import apply_pending_updates, sync
    from articles.search.change_log import record_change

    with transaction.atomic():
        for article_id in owed:
            record_change(article_id)
    with documents_written(writing, sync):
        started = time.perf_counter()
        applied = apply_pending_updates()
        seconds = time.perf_counter() - started
    IndexChange.objects.all().delete()  # the next run's copy of the index starts before them again
    return seconds, applied


def apply_the_queue(owed: list[int], queue, writing: bool) -> float:
    queue.objects.bulk_create(queue(article_id=article_id) for article_id in owed)
    from articles.search import sync

    with documents_written(writing, sync):
        started = time.perf_counter()
        applied = apply_pending_updates_of_the_queue(queue, sync)
        seconds = time.perf_counter() - started
    assert not queue.objects.exists()
    return seconds, applied


def apply_pending_updates_of_the_queue(PendingIndexUpdate, sync) -> int:
    """`apply_pending_updates` as it was at 5faa1cf (articles/search/sync.py), its log lines left out."""
    applied = 0
    while batch := list(PendingIndexUpdate.objects.order_by("id")[: sync.BATCH_SIZE]):
        writer = sync.live_writer(0.0)
        article_ids = {row.article_id for row in batch}
        try:
            sync._write_articles(writer, article_ids)
        except BaseException:
            sync.discard_writer(writer)
            raise
        writer.commit()
        PendingIndexUpdate.objects.filter(id__in=[row.id for row in batch]).delete()
        applied += len(article_ids)
    return applied


class documents_written:
    """With `writing` off, the articles are not read nor their documents written: the bookkeeping alone."""

    def __init__(self, writing: bool, sync):
        self.writing, self.sync, self.original = writing, sync, sync._write_articles

    def __enter__(self):
        if not self.writing:
            self.sync._write_articles = lambda writer, article_ids: None

    def __exit__(self, *exc):
        self.sync._write_articles = self.original


def report_throughput(result: dict, changes: int, engine: str) -> None:
    print(f"\nA follower applying {changes:,} changes on {engine} (median seconds; changes/s)")
    rows = []
    for what, queue, log in (
        ("documents written", result["queue"], result["log"]),
        ("bookkeeping only", result["queue, bookkeeping only"], result["log, bookkeeping only"]),
    ):
        rows.append(
            [
                what,
                f"{queue:.2f}",
                f"{changes / queue:,.0f}",
                f"{log:.2f}",
                f"{changes / log:,.0f}",
                f"{queue / log:.2f}x",
            ]
        )
    print_table(["", "queue s", "queue changes/s", "log s", "log changes/s", "log / queue, changes/s"], rows)


# --- 2. commit to searchable ----------------------------------------------------------------


def measure_commit_to_searchable(commits: int, work: Path, seed: int) -> dict:
    from django.conf import settings

    for node in NODES[1:]:  # each follower starts from a copy of node a's index, cursor and all
        (work / f"node-{node}").mkdir(exist_ok=True)
        shutil.copytree(settings.PRESSROOM_INDEX_DIR, work / f"node-{node}" / "index", symlinks=True)
    servers = {node: start_node(work / f"node-{node}", node) for node in NODES}
    try:
        return time_commits(commits, {node: url for node, (_, url) in servers.items()}, seed)
    finally:
        for server, _ in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()


def start_node(data_dir: Path, node: str):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        **bench_secrets(),
        "PRESSROOM_DATA_DIR": str(data_dir),
        "PRESSROOM_NODE": f"bench-{node}",
        "WEB_CONCURRENCY": "1",  # three nodes share two cores with this process
        "GUNICORN_THREADS": "2",
        "LOG_LEVEL": "WARNING",
    }
    server, url, _ = start_gunicorn(env, port, probe="/api/search?q=trade")
    return server, url


def time_commits(commits: int, urls: dict[str, str], seed: int) -> dict[str, list[float]]:
    from django.db import transaction

    from articles.models import Article

    rng = random.Random(seed)
    ids = list(Article.objects.values_list("pk", flat=True))
    found_after = {node: [] for node in urls}
    for number in range(-1, commits):  # the first, untimed, warms each node's searches
        word = probe_word(number)
        article = Article.objects.get(pk=rng.choice(ids))
        committed = threading.Event()
        pollers = [
            PollUntilFound(url, word, committed, found_after[node] if number >= 0 else [])
            for node, url in urls.items()
        ]
        for poller in pollers:
            poller.start()
        with transaction.atomic():
            # Registered first, so it runs first after the commit, before this node's index is written.
            transaction.on_commit(committed.set)
            article.title = f"{article.title} {word}"
            article.save(update_fields=["title"])
        for poller in pollers:
            poller.join()
        time.sleep(rng.uniform(0.1, 0.6))  # the next commit lands anywhere in the followers' interval
    return found_after


def probe_word(number: int) -> str:
    """A word no release holds, made of letters (the analyzer keeps it whole)."""
    letters = "".join("bcdfghjklmnpqrstvwxz"[int(digit)] for digit in f"{number + 1:04}")
    return f"quorxel{letters}"


class PollUntilFound(threading.Thread):
    """From the commit on, ask a node's JSON API for the word until it finds it; records the milliseconds."""

    TIMEOUT_SECONDS = 30.0

    def __init__(self, url: str, word: str, committed: threading.Event, found_after: list[float]):
        super().__init__(daemon=True)
        self.query = f"{url}/api/search?q={word}"
        self.committed, self.found_after = committed, found_after

    def run(self):
        import json

        self.committed.wait()
        started = time.perf_counter()
        while time.perf_counter() - started < self.TIMEOUT_SECONDS:
            with urllib.request.urlopen(self.query, timeout=10) as response:
                if json.loads(response.read())["count"]:
                    self.found_after.append((time.perf_counter() - started) * 1000)
                    return
            time.sleep(0.005)
        raise RuntimeError(f"{self.query} found nothing in {self.TIMEOUT_SECONDS} s")


def report_latency(found_after: dict[str, list[float]], engine: str) -> None:
    baseline = percentiles(found_after[NODES[0]])
    print(
        f"\nCommit to searchable on {engine}, {len(found_after[NODES[0]])} commits (ms, polled through "
        "each node's /api/search)"
    )
    rows = []
    for node, samples in found_after.items():
        stats = percentiles(samples)
        role = "committing node (baseline: the queue's one node)" if node == NODES[0] else "follower"
        rows.append(
            [
                f"{node}: {role}",
                f"{stats['p50']:.0f}",
                f"{stats['p95']:.0f}",
                f"{max(samples):.0f}",
                f"{stats['p50'] / baseline['p50']:.1f}x",
                f"{stats['p95'] / baseline['p95']:.1f}x",
            ]
        )
    print_table(["node", "p50", "p95", "max", "p50 vs a", "p95 vs a"], rows)


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.exit(main())
