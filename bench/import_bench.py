"""Import speed: release files to searchable articles through `import_articles`, against the
raw Whoosh writer writing the same documents with the same schema without Django (the floor),
and against SQLite FTS5 building the same corpus.

    .venv/bin/python bench/import_bench.py --articles 10000
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
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-import-bench-"))
    try:
        run(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(options, work):
    setup_django(work / "data")
    from django.core.management import call_command

    from articles.models import Article, ImportBatch
    from articles.search.generations import create_generation, make_current
    from articles.search.process_index import open_index

    files = work / "files"
    call_command("generate_articles", options.articles, seed=options.seed, out=files, verbosity=0)
    make_current(create_generation()[0])

    ours_ms, _ = timed(
        call_command, "import_articles", str(files), stdout=io.StringIO(), stderr=io.StringIO()
    )
    batch = ImportBatch.objects.get()
    # A few generated releases share a title and date: stored once, as "unchanged" or "updated".
    assert batch.processed == options.articles and batch.failed_count == 0, batch.summary()
    with open_index().searcher() as searcher:
        assert searcher.doc_count() == Article.objects.count(), "every imported release must be searchable"

    raw_ms, _ = timed(raw_whoosh_import, files, work / "raw-index")
    fts5_ms, _ = timed(fts5_import, files, work / "fts5.sqlite3")

    rate = {
        name: options.articles / (ms / 1000)
        for name, ms in (("ours", ours_ms), ("raw", raw_ms), ("fts5", fts5_ms))
    }
    print(f"\nImport, {options.articles:,} release files to searchable")
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
        {"articles": options.articles, **{f"{name}_per_second": value for name, value in rate.items()}},
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


def fts5_import(files: Path, database: Path):
    import fts5

    from articles.search.schema import date_to_number

    rows = (
        (number, parsed.title, parsed.body, date_to_number(parsed.published), codes)
        for number, parsed, codes in parsed_articles(files)
    )
    fts5.build(database, rows).close()


if __name__ == "__main__":
    main()
