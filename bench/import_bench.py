"""Import speed: release files to searchable articles through `import_articles`, against the
raw Whoosh writer writing the same documents with the same schema without Django (the floor).

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
    from articles.search.index import create_generation, make_current, open_index

    files = work / "files"
    call_command("generate_articles", options.articles, seed=options.seed, out=files, verbosity=0)
    make_current(create_generation()[0])

    ours_ms, _ = timed(call_command, "import_articles", str(files), stdout=io.StringIO(), stderr=io.StringIO())
    batch = ImportBatch.objects.get()
    # A few generated releases share a title and date: stored once, as "unchanged" or "updated".
    assert batch.processed == options.articles and batch.failed_count == 0, batch.summary()
    with open_index().searcher() as searcher:
        assert searcher.doc_count() == Article.objects.count(), "every imported release must be searchable"

    raw_ms, _ = timed(raw_whoosh_import, files, work / "raw-index")

    ours_rate = options.articles / (ours_ms / 1000)
    raw_rate = options.articles / (raw_ms / 1000)
    print(f"\nImport, {options.articles:,} release files to searchable")
    print_table(
        ["path", "seconds", "releases/s", "vs raw Whoosh"],
        [
            ["import_articles (parse, extract, SQLite, index)", f"{ours_ms / 1000:.1f}", f"{ours_rate:.0f}", f"{ours_rate / raw_rate:.2f}x"],
            ["raw Whoosh writer (parse, index)", f"{raw_ms / 1000:.1f}", f"{raw_rate:.0f}", "1.00x"],
        ],
    )
    path = save("import", {"articles": options.articles, "pressroom_per_second": ours_rate, "raw_whoosh_per_second": raw_rate})
    print(f"\nWritten to {path}")


def raw_whoosh_import(files: Path, index_dir: Path):
    """The floor: the same parser and schema, one Whoosh writer, no database."""
    from whoosh import index

    from articles.ingest.countries import find_countries
    from articles.ingest.decoding import decode_release
    from articles.ingest.parsing import parse_article
    from articles.search.schema import SCHEMA, date_to_number

    index_dir.mkdir()
    ix = index.create_in(str(index_dir), SCHEMA)
    writer = ix.writer(compound=False, limitmb=256)
    for number, path in enumerate(sorted(files.glob("*.txt"))):
        parsed = parse_article(decode_release(path.read_bytes()))
        writer.add_document(
            id=str(number),
            title=parsed.title,
            body=parsed.body,
            published=date_to_number(parsed.published),
            countries=" ".join(m.code for m in find_countries(parsed.title, parsed.body)),
            source=parsed.source,
            fingerprint=str(number),
        )
    writer.commit()


if __name__ == "__main__":
    main()
