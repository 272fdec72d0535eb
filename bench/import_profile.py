"""Where an import's time goes outside the index: `process_batch` over generated release files
with the index writer held off (the change log is still written; nothing applies it), under
cProfile, and the same without the profiler for the rate.

    .venv/bin/python bench/import_profile.py --articles 10000 [--profile]
"""

import argparse
import cProfile
import io
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from harness import setup_django


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the import")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--beside",
        action="store_true",
        help="read and parse in a forked process beside the writer, as beside an index writer",
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-import-profile-"))
    try:
        run(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(options, work):
    setup_django(work / "data")
    from django.core.management import call_command

    from articles.importing import batch_from_paths, process_batch
    from articles.management.commands.import_articles import import_files
    from articles.models import ImportBatch

    files = work / "files"
    call_command("generate_articles", options.articles, seed=options.seed, out=files, verbosity=0)
    batch = batch_from_paths(list(import_files([files])))
    profiler = cProfile.Profile() if options.profile else None
    started, cpu_started = time.perf_counter(), time.process_time() + _children_cpu_seconds()
    writer_cpu_started = time.process_time()
    with _index_held_off():
        if profiler:
            profiler.enable()
        process_batch(batch, index_lock_timeout=0, index_beside=options.beside)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() + _children_cpu_seconds() - cpu_started
    writer_cpu_seconds = time.process_time() - writer_cpu_started
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.processed == options.articles and batch.failed_count == 0, batch.summary()
    print(
        f"{options.articles:,} releases, index held off: {seconds:.1f} s, "
        f"{options.articles / seconds:.0f} releases/s; {cpu_seconds:.1f} s of CPU, "
        f"{options.articles / cpu_seconds:.0f} releases per CPU second"
    )
    print(
        f"of which the importer (parsing too unless --beside) {writer_cpu_seconds:.1f} s: "
        f"{options.articles / writer_cpu_seconds:.0f} releases per its CPU second"
    )
    print(batch.summary())
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(options.top)
        stats.sort_stats("tottime").print_stats(options.top)
        print(out.getvalue())


def _children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _index_held_off:
    """Changes recorded as under `index_written_beside`, but with no writer: the index's share left out."""

    def __enter__(self):
        from articles import importing
        from articles.search import sync

        sync._deferring.active = True
        importing.index_written_beside = _index_held_off  # --beside: the reader forked, no index writer
        return self

    def __exit__(self, *exc):
        from articles.search import sync

        sync._deferring.active = False


if __name__ == "__main__":
    main()
