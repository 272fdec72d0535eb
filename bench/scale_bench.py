"""Search at scale on a synthetic index (bench/scale_index.py): the arrays' build, the first
search, warm searches by four threads and the resident memory after them.

    .venv/bin/python bench/scale_bench.py /tmp/scale-index [--threads 4 --rounds 3]

Run from a checkout, it measures that checkout's search (PYTHONPATH picks another). Each search
is the search path without the database: matching, the dates and countries, the count, the
country counts, the timeline and the page's document numbers (the mix of search_bench.py).
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressroom.settings")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("PRESSROOM_DATA_DIR", "/tmp/pressroom-scale-bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ms(values, share: float) -> float:
    """The share-th quantile of the timings, in milliseconds."""
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=120)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import django

    django.setup()
    from search_bench import query_mix
    from whoosh import index as whoosh_index

    from articles.search import SearchRequest, parse_user_query, searching
    from articles.search.schema import SCHEMA
    from articles.search.searchers import _HeldSearcher

    print(f"code: {searching.__file__}")
    started_rss = resident_mb()
    ix = whoosh_index.open_dir(str(args.index), schema=SCHEMA)
    mix = query_mix(args.queries)

    def search(held, kind, text, countries, start, end):
        request = SearchRequest(
            parse_user_query(text), countries=countries, published_from=start, published_to=end, per_page=10
        )
        arrays = held.arrays()
        matches = searching._matching(request, arrays)
        count = int(matches.documents.sum())
        arrays.country_counts(matches.before_countries)
        searching._timeline(arrays.published[matches.documents], request)
        keys = searching._sort_keys(request, arrays, matches.scores)
        searching._first_in_order(matches.documents, keys, 10)
        return count

    held = _HeldSearcher(ix)
    # CPU time beside the wall clock's: on a machine others share, the wall clock counts their work too.
    began, cpu = time.perf_counter(), time.process_time()
    arrays = held.arrays()
    build, build_cpu = time.perf_counter() - began, time.process_time() - cpu
    print(
        f"{arrays.size:,} documents; arrays built in {build * 1000:.0f} ms "
        f"({build_cpu * 1000:.0f} ms of CPU); RSS {resident_mb():.0f} MB"
    )
    began, cpu = time.perf_counter(), time.process_time()
    search(held, *mix[0])
    print(
        f"first search (cold postings): {(time.perf_counter() - began) * 1000:.0f} ms "
        f"({(time.process_time() - cpu) * 1000:.0f} ms of CPU)"
    )
    cold = []
    for query in mix:
        began = time.perf_counter()
        search(held, *query)
        cold.append(time.perf_counter() - began)
    print(f"cold pass, one thread: p95 {ms(cold, 0.95):.1f} ms; RSS {resident_mb():.0f} MB")
    warm, cpu_times = {}, []
    for query in mix:
        began, cpu = time.perf_counter(), time.thread_time()
        search(held, *query)
        warm.setdefault(query[0], []).append(time.perf_counter() - began)
        cpu_times.append(time.thread_time() - cpu)
    every = [t for values in warm.values() for t in values]
    print(
        f"warm, one thread: p50 {ms(every, 0.5):.1f} ms, p95 {ms(every, 0.95):.1f} ms "
        f"(CPU: p50 {ms(cpu_times, 0.5):.1f} ms, p95 {ms(cpu_times, 0.95):.1f} ms)"
    )
    for kind, values in sorted(warm.items()):
        print(f"  {kind:22} p95 {ms(values, 0.95):7.1f} ms  ({len(values)})")

    timings, counts, lock = {}, {}, threading.Lock()

    def worker(number):
        own = _HeldSearcher(ix)
        began = time.perf_counter()
        own.arrays()
        with lock:
            timings.setdefault("arrays per thread", []).append(time.perf_counter() - began)
        for _ in range(args.rounds):
            for query in mix[number::1]:
                began = time.perf_counter()
                count = search(own, *query)
                with lock:
                    timings.setdefault(query[0], []).append(time.perf_counter() - began)
                    counts.setdefault(query, set()).add(count)
        own.close()

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(found) == 1 for found in counts.values()), "threads disagree on a count"
    every = list(t for kind, values in timings.items() if kind != "arrays per thread" for t in values)
    print(
        f"warm, {args.threads} threads: p50 {ms(every, 0.5):.1f} ms, "
        f"p95 {ms(every, 0.95):.1f} ms, p99 {ms(every, 0.99):.1f} ms"
    )
    for kind, values in sorted(timings.items()):
        print(f"  {kind:22} p95 {ms(values, 0.95):7.1f} ms  ({len(values)})")
    from articles.search import arrays as kept

    cache = kept._postings_cache
    print(f"RSS after the mix: {resident_mb():.0f} MB (at start {started_rss:.0f} MB)")
    print(f"postings kept: {cache.used / 2**20:.0f} MB of {cache.budget / 2**20:.0f} MB")
    print(f"checksum of counts: {sum(min(found) for found in counts.values())}")


if __name__ == "__main__":
    main()
