"""What keeping every version costs: importing with history on against the same import with it
off (versions not written), in one run, and the database's size per version.

Each measurement is a fresh process on a fresh SQLite database: generated release files
imported with `import_articles` (created), then the same files with one sentence corrected
(updated: each a second version). Runs alternate off, on, off, on... and the medians are compared.

    .venv/bin/python bench/history_bench.py --articles 2000 --rounds 3
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import print_table, save, setup_django

CORRECTION = ("The two delegations exchanged views", "The two delegations exchanged frank views")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--phase", choices=["on", "off"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        print(json.dumps(measure(options)))
        return
    work = Path(tempfile.mkdtemp(prefix="pressroom-history-bench-"))
    try:
        compare(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(options, work):
    runs = {"off": [], "on": []}
    for round_number in range(options.rounds):
        for phase in ("off", "on"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--phase",
                    phase,
                    "--articles",
                    str(options.articles),
                    "--seed",
                    str(options.seed),
                    "--work",
                    str(work / f"{phase}-{round_number}"),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            runs[phase].append(json.loads(out.stdout.strip().splitlines()[-1]))
    median = {
        phase: {key: statistics.median(run[key] for run in runs[phase]) for key in runs[phase][0]}
        for phase in runs
    }
    on, off = median["on"], median["off"]
    print(
        f"\nImport with history on against off, {options.articles:,} releases, "
        f"median of {options.rounds} rounds each"
    )
    print_table(
        ["import", "history off (s)", "history on (s)", "on / off"],
        [
            [label, f"{off[key]:.2f}", f"{on[key]:.2f}", f"{on[key] / off[key]:.3f}x"]
            for label, key in (
                ("new releases (version 1 each)", "create_s"),
                ("corrected releases (version 2 each)", "update_s"),
            )
        ],
    )
    per_version = (on["bytes_with_versions"] - on["bytes_without_versions"]) / on["versions"]
    print(
        f"\nDatabase size per version: {per_version:,.0f} bytes, for releases of "
        f"{on['body_bytes'] / options.articles:,.0f} bytes of text on average"
        f" ({on['versions']:,.0f} versions; the database is "
        f"{on['bytes_with_versions'] / 1e6:.1f} MB with them,"
        f" {on['bytes_without_versions'] / 1e6:.1f} MB without)"
    )
    path = save(
        "history", {"articles": options.articles, "rounds": options.rounds, "median": median, "runs": runs}
    )
    print(f"\nWritten to {path}")


def measure(options) -> dict:
    setup_django(options.work / "data")
    import io

    from django.core.management import call_command
    from django.db import connection

    from articles import services
    from articles.models import Article, ArticleVersion
    from articles.search.generations import create_generation, make_current

    if options.phase == "off":
        services.record_version = lambda *args, **kwargs: None  # the same import, without its versions
    files, corrected = options.work / "files", options.work / "corrected"
    call_command("generate_articles", options.articles, seed=options.seed, out=files, verbosity=0)
    corrected.mkdir()
    for path in files.iterdir():
        (corrected / path.name).write_text(
            path.read_text().replace(*CORRECTION, 1) + "\nThe ministry corrected this release.\n"
        )
    make_current(create_generation()[0])
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    started = time.perf_counter()
    call_command("import_articles", str(files), **quiet)
    create_s = time.perf_counter() - started
    started = time.perf_counter()
    call_command("import_articles", str(corrected), **quiet)
    update_s = time.perf_counter() - started
    sizes = {}
    if options.phase == "on":
        database = Path(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
            cursor.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            )  # in WAL mode the shrunk pages reach the file here
        sizes["bytes_with_versions"] = database.stat().st_size
        sizes["versions"] = ArticleVersion.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM articles_articleversion")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes["bytes_without_versions"] = database.stat().st_size
        sizes["body_bytes"] = sum(
            len(body.encode()) for body in Article.objects.values_list("body", flat=True)
        )
    return {"create_s": create_s, "update_s": update_s, **sizes}


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    main()
