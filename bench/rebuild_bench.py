"""Rebuild speed: the whole archive from the database into a new index, against Whoosh's textbook
writer and SQLite FTS5 building the same articles.

    .venv/bin/python bench/rebuild_bench.py --articles 100000

The archive is `search_bench.py`'s for the same size and seed (made if missing, and kept). Ours
is `manage.py rebuild_index` as an operator runs it. The textbook path is Whoosh's documented
multiprocessing writer (`procs=2, multisegment=True, limitmb=256`) fed the articles' text through
the schema's analyzers; above `--textbook-sample` articles it writes that many and its time is
extrapolated to the archive's size, which the output says. FTS5 builds its table of the same
articles (`fts5.build`, porter tokenizer, then 'optimize'), kept for `search_bench.py`.
"""

import argparse
import resource
import shutil
import tempfile
from pathlib import Path

from harness import print_table, save, setup_django, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--textbook-sample", type=int, default=20_000)
    parser.add_argument("--data-dir", type=Path, help="Reuse an archive here (made if missing).")
    options = parser.parse_args()
    data_dir = (
        options.data_dir or Path(tempfile.gettempdir()) / f"pressroom-bench-{options.articles}-{options.seed}"
    )
    setup_django(data_dir)
    from django.core.management import call_command
    from search_bench import prepare_archive

    from articles.models import Article

    prepare_archive(options.articles, options.seed)
    size = Article.objects.public().count()
    work = Path(tempfile.mkdtemp(prefix="pressroom-rebuild-bench-", dir=data_dir))
    try:
        ours_ms, _ = timed(call_command, "rebuild_index", verbosity=0)
        writer_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        sampled = min(size, options.textbook_sample)
        textbook_ms, _ = timed(textbook_rebuild, work / "textbook", sampled)
        textbook_ms *= size / max(1, sampled)
        # Where search_bench.py looks for this archive's table, so it is built once.
        fts5_ms, _ = timed(fts5_rebuild, data_dir / f"fts5-{size}.sqlite3")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    seconds = {"ours": ours_ms / 1000, "textbook": textbook_ms / 1000, "fts5": fts5_ms / 1000}
    textbook_label = "Whoosh textbook writer (procs=2)" + (
        f", {sampled:,} written and extrapolated" if sampled < size else ""
    )
    print(f"\nRebuild, {size:,} articles from the database to a new index")
    print_table(
        ["path", "seconds", "articles/s", "vs textbook", "vs FTS5"],
        [
            [
                label,
                f"{seconds[name]:.1f}",
                f"{size / seconds[name]:.0f}",
                f"{seconds['textbook'] / seconds[name]:.2f}x",
                f"{seconds['fts5'] / seconds[name]:.2f}x",
            ]
            for label, name in (
                ("rebuild_index", "ours"),
                (textbook_label, "textbook"),
                ("SQLite FTS5 build", "fts5"),
            )
        ],
    )
    print(f"Peak resident memory of a process writing the index: {writer_rss_mb:.0f} MB")
    payload = {
        "articles": size,
        "seconds": seconds,
        "textbook_sampled": sampled,
        "writer_peak_rss_mb": writer_rss_mb,
    }
    print(f"\nWritten to {save('rebuild', payload)}")


def textbook_rebuild(index_dir: Path, articles: int):
    """Whoosh's documented way to index many documents fast: its multiprocessing writer."""
    from whoosh import index

    from articles.models import Article
    from articles.search.schema import SCHEMA, document_text

    index_dir.mkdir()
    ix = index.create_in(str(index_dir), SCHEMA)
    writer = ix.writer(procs=2, multisegment=True, limitmb=256)
    chosen = Article.objects.public().order_by("pk").prefetch_related("country_tags")[:articles]
    for article in chosen.iterator(chunk_size=2000):
        writer.add_document(**document_text(article))
    writer.commit()


def fts5_rebuild(database: Path):
    import fts5
    from search_bench import fts5_rows

    fts5.build(database, fts5_rows()).close()


if __name__ == "__main__":
    main()
