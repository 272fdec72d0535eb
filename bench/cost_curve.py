"""The cost curve: how each cost grows with the archive, from the newest saved run at each size.

    .venv/bin/python bench/cost_curve.py [--sizes 10000 100000 1000000]

Reads bench/results/ (written by search_bench, load, rebuild_bench and import_bench) and prints
one table: each cost at each size, beside FTS5 and the textbook Whoosh path where the run
measured them, and the slope between neighbouring sizes: log(cost ratio) / log(size ratio),
so 1.0 grows as the archive does, 0 not at all, and a rate's negative slope is a slowdown.
"""

import argparse
import json
import math

from harness import RESULTS, print_table


def newest_runs() -> dict[tuple[str, int], dict]:
    """(kind, archive size) -> the newest saved run of it."""
    runs = {}
    for path in sorted(RESULTS.glob("*.json")):  # names start with the time: newest last
        kind = path.stem.split("-", 2)[-1]
        payload = json.loads(path.read_text())
        # An import's size is the archive it imported into (`--archive`), not the files it read.
        size = payload.get("archive") if kind == "import" else payload.get("articles")
        if size:
            runs[(kind, int(size))] = payload
    return runs


def _warm(run, path, field="p95"):
    return run["results"]["warm"]["all"][path][field] if run else None


# (cost, unit, how to read it from its run's kind)
COSTS = [
    ("search p95, ours", "ms", "search", lambda run: _warm(run, "pressroom")),
    ("search p95, textbook Whoosh", "ms", "search", lambda run: _warm(run, "textbook")),
    ("search p95, FTS5", "ms", "search", lambda run: _warm(run, "fts5")),
    ("search page p95", "ms", "search", lambda run: _warm(run, "page")),
    ("web worker memory after the mix", "MB", "load", lambda run: max(run["worker_peak_rss_mb"])),
    (
        "first search page of a new worker, slowest",
        "ms",
        "first-search",
        lambda run: run["results"]["saved arrays used"]["slowest"]["page_ms"],
    ),
    ("import rate, ours", "releases/s", "import", lambda run: run["ours_per_second"]),
    ("import rate, FTS5", "releases/s", "import", lambda run: run["fts5_per_second"]),
    ("rebuild, ours", "s", "rebuild", lambda run: run["seconds"]["ours"]),
    ("rebuild, textbook Whoosh", "s", "rebuild", lambda run: run["seconds"]["textbook"]),
    ("rebuild, FTS5", "s", "rebuild", lambda run: run["seconds"]["fts5"]),
]


def slope(first, second, first_size, second_size) -> str:
    if not first or not second:
        return ""
    return f"{math.log(second / first) / math.log(second_size / first_size):+.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    sizes = parser.parse_args().sizes
    runs = newest_runs()
    rows = []
    for label, unit, kind, read in COSTS:
        values = []
        for size in sizes:
            try:
                values.append(read(runs.get((kind, size))))
            except (KeyError, TypeError, ValueError):
                values.append(None)
        cells = [f"{value:,.1f}" if value is not None else "not run" for value in values]
        slopes = [slope(*values[n : n + 2], *sizes[n : n + 2]) for n in range(len(sizes) - 1)]
        rows.append([f"{label} ({unit})", *cells, *slopes])
    headers = [
        "cost",
        *(f"{size:,}" for size in sizes),
        *(f"slope {a:,}→{b:,}" for a, b in zip(sizes, sizes[1:], strict=False)),
    ]
    print("\nThe cost curve (newest run at each size; slope 1.0 grows as the archive does)")
    print_table(headers, rows)


if __name__ == "__main__":
    main()
