"""The first search after a web worker starts: how long its first reader waits.

    .venv/bin/python bench/first_search.py --articles 1000000

Each measurement is a new process, as a worker gunicorn forks is: Django set up on the archive
`search_bench.py` made and the gazetteer built (the master builds it before forking), then what
the worker does when it is ready (the index read ahead in a thread, gunicorn.conf.py's
post_worker_init) while its first request, a search page of one kind of the benchmark's mix,
is answered at once. Timed from the worker being ready to the page's last byte, one new process
per kind of query; printed beside what reading ahead alone takes, and with the saved segment
arrays (saved_arrays.py) both used and ignored.
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import PROJECT, percentiles, print_table, save, setup_django, timed

RESULT = "FIRST-SEARCH "


def one_worker(data_dir: Path, kind_number: int, saved: bool) -> dict:
    """In this new process: the worker's first search page, of the mix's `kind_number`th kind."""
    setup_django(data_dir)
    from django.test import Client
    from search_bench import page_request, query_mix

    from articles.search import read_ahead, saved_arrays

    if not saved:
        saved_arrays.SAVED_FROM = float("inf")  # as if no segment's arrays had been saved
    from articles.ingest.gazetteer import gazetteer

    gazetteer()  # built by gunicorn's master before it forked the worker (gunicorn.conf.py's on_starting)
    kind, *query = query_mix(kind_number + 1)[kind_number]
    client = Client(HTTP_HOST="localhost")
    read_ahead_ms: list[float] = []
    reading = threading.Thread(target=lambda: read_ahead_ms.append(timed(read_ahead)[0]))
    started = time.perf_counter()
    reading.start()
    page_request(client, itertools.count(), kind, *query)
    page_ms = (time.perf_counter() - started) * 1000
    reading.join()
    return {"kind": kind, "page_ms": page_ms, "read_ahead_ms": read_ahead_ms[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--rounds", type=int, default=2, help="new processes per kind of query and setting")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # a measuring process's kind
    parser.add_argument("--ignore-saved", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"pressroom-bench-{options.articles}-{options.seed}"
    if options.worker is not None:
        print(RESULT + json.dumps(one_worker(data_dir, options.worker, not options.ignore_saved)))
        return
    if not (data_dir / "index" / "current").exists():
        sys.exit(f"No archive at {data_dir}: run bench/search_bench.py --articles {options.articles} first.")
    from search_bench import KINDS

    measured = {}
    for saved in (True, False):
        for _ in range(options.rounds):
            for kind_number in range(KINDS):
                found = worker_process(options, kind_number, saved)
                measured.setdefault(saved, []).append(found)
    rows, report = [], {}
    for saved, runs in measured.items():
        label = "saved arrays used" if saved else "saved arrays ignored"
        pages = percentiles([run["page_ms"] for run in runs])
        reads = percentiles([run["read_ahead_ms"] for run in runs])
        worst = max(runs, key=lambda run: run["page_ms"])
        report[label] = {"page": pages, "read_ahead": reads, "slowest": worst, "runs": runs}
        rows.append(
            [
                label,
                len(runs),
                f"{pages['p50']:.0f}",
                f"{worst['page_ms']:.0f} ({worst['kind']})",
                f"{reads['p50']:.0f}",
            ]
        )
    print(f"\nThe first search page of a new worker, {options.articles:,} articles (ms)")
    print_table(["", "workers", "first page p50", "slowest", "reading ahead p50"], rows)
    print(f"\nWritten to {save('first-search', {'articles': options.articles, 'results': report})}")


def worker_process(options, kind_number: int, saved: bool) -> dict:
    command = [
        sys.executable,
        __file__,
        "--articles",
        str(options.articles),
        "--seed",
        str(options.seed),
        "--worker",
        str(kind_number),
    ]
    output = subprocess.run(
        command + ([] if saved else ["--ignore-saved"]),
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT / "bench")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith(RESULT))[len(RESULT) :])


if __name__ == "__main__":
    main()
