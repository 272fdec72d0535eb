"""Import speed: release files to searchable articles through `import_articles`, against the
raw Whoosh writer writing the same documents with the same schema without Django (the floor),
and against SQLite FTS5 building the same corpus.

    .venv/bin/python bench/import_bench.py --articles 10000 [--archive 1000000]

With --archive N the files are imported into a copy of `search_bench.py`'s archive of N articles
(made if missing), and FTS5 adds them to a copy of its table of those N: what adding releases
costs as the archive grows. The files are another seed's, so every one is a new release.
"""

import argparse
import io
import shutil
import tempfile
from pathlib import Path

from harness import print_table, save, setup_django, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--archive", type=int, default=0, help="Import into a copy of this size's archive.")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-import-bench-"))
    try:
        run(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(options, work):
    kept = Path(tempfile.gettempdir()) / f"pressroom-bench-{options.archive}-{options.seed}"
    if options.archive:
        prepare_kept_archive(kept, options)
        # symlinks=True: the index's `current` link stays a link, not a second copy of its generation.
        shutil.copytree(
            kept, work / "data", symlinks=True, ignore=shutil.ignore_patterns("fts5-*", "pressroom-*-bench-*")
        )
    setup_django(work / "data")
    from django.core.management import call_command

    from articles.models import Article, ImportBatch
    from articles.search import index_exists
    from articles.search.generations import create_generation, make_current
    from articles.search.process_index import open_index

    files = work / "files"
    file_seed = options.seed + 1 if options.archive else options.seed
    call_command("generate_articles", options.articles, seed=file_seed, out=files, verbosity=0)
    if not index_exists():
        make_current(create_generation()[0])
    before = Article.objects.count()

    ours_ms, _ = timed(
        call_command, "import_articles", str(files), stdout=io.StringIO(), stderr=io.StringIO()
    )
    batch = ImportBatch.objects.get()
    # A few generated releases share a title and date: stored once, as "unchanged" or "updated".
    assert batch.processed == options.articles and batch.failed_count == 0, batch.summary()
    assert Article.objects.count() > before + options.articles * 0.99, "the files are new releases"
    with open_index().searcher() as searcher:
        assert searcher.doc_count() == Article.objects.count(), "every imported release must be searchable"

    raw_ms, _ = timed(raw_whoosh_import, files, work / "raw-index")
    fts5_table = work / "fts5.sqlite3"
    if options.archive:
        shutil.copy(kept / f"fts5-{options.archive}.sqlite3", fts5_table)
    fts5_ms, _ = timed(fts5_import, files, fts5_table, options.archive)

    rate = {
        name: options.articles / (ms / 1000)
        for name, ms in (("ours", ours_ms), ("raw", raw_ms), ("fts5", fts5_ms))
    }
    into = f" into an archive of {options.archive:,}" if options.archive else ""
    print(f"\nImport, {options.articles:,} release files to searchable{into}")
    print_table(
        ["path", "seconds", "releases/s", "vs raw Whoosh", "vs FTS5"],
        [
            [
                label,
                f"{ms / 1000:.1f}",
                f"{rate[name]:.0f}",
                f"{rate[name] / rate['raw']:.2f}x",
                f"{rate[name] / rate['fts5']:.2f}x",
            ]
            for label, name, ms in (
                ("import_articles (parse, extract, SQLite, index)", "ours", ours_ms),
                ("raw Whoosh writer (parse, extract, index)", "raw", raw_ms),
                ("SQLite FTS5 (parse, extract, FTS5 table)", "fts5", fts5_ms),
            )
        ],
    )
    path = save(
        "import",
        {
            "articles": options.articles,
            "archive": options.archive,
            **{f"{name}_per_second": value for name, value in rate.items()},
        },
    )
    print(f"\nWritten to {path}")


def parsed_articles(files: Path):
    """(number, parsed release, country codes) for every file, through the same parser and extractor."""
    from articles.ingest.countries import countries_about
    from articles.ingest.decoding import decode_file
    from articles.ingest.parsing import parse_article

    for number, path in enumerate(sorted(files.glob("*.txt"))):
        parsed = parse_article(decode_file(path.read_bytes()))
        yield number, parsed, countries_about(parsed.title, parsed.body)


def raw_whoosh_import(files: Path, index_dir: Path):
    """The floor: the same parser and schema, one Whoosh writer, no database."""
    from whoosh import index

    from articles.search.schema import SCHEMA, date_to_number

    index_dir.mkdir()
    ix = index.create_in(str(index_dir), SCHEMA)
    writer = ix.writer(compound=False, limitmb=256)
    for number, parsed, codes in parsed_articles(files):
        writer.add_document(
            id=str(number),
            title=parsed.title,
            body=parsed.body,
            published=date_to_number(parsed.published),
            countries=" ".join(codes),
            source=parsed.source,
            pairs=f"{parsed.title}\n{parsed.body}",
            fingerprint=str(number),
        )
    writer.commit()


def fts5_import(files: Path, database: Path, archive: int):
    """The files into a new FTS5 table, or added to a copy of the archive's (ids after its own)."""
    import sqlite3

    import fts5

    from articles.search.schema import date_to_number

    rows = (
        (archive * 10 + number + 1, parsed.title, parsed.body, date_to_number(parsed.published), codes)
        for number, parsed, codes in parsed_articles(files)
    )
    if archive:
        connection = sqlite3.connect(database)
        fts5.add(connection, rows)
    else:
        connection = fts5.build(database, rows)
    connection.close()


def prepare_kept_archive(kept: Path, options):
    """search_bench's archive of the size, and its FTS5 table, made by search_bench if missing."""
    import subprocess
    import sys

    if not (kept / f"fts5-{options.archive}.sqlite3").exists():
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).parent / "search_bench.py"),
                "--articles",
                str(options.archive),
                "--seed",
                str(options.seed),
                "--prepare-only",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
