"""Alert matching: 100,000 stored searches against a batch of 100 new releases.

    .venv/bin/python bench/alert_bench.py --articles 5000 --subscriptions 100000 --new 100

The archive holds `--articles` generated releases; the subscriptions are drawn from a pool of
distinct searches (words, phrases, countries, dates, as readers combine them) with a long-tailed
popularity, so many readers share a search, as they do. Then `--new` releases are imported and
matched as the task worker matches them (alerts/matching.py: each distinct search once, on an
index in memory of just the new releases). Measured in the same run:

- reading each distinct stored search with the search page's form (both ways pay it);
- the percolator: matching them on an index in memory of just the new releases;
- baseline: matching them on the full archive's index with the search engine (its matching
  alone, no page), keeping the new releases found: what it costs without the percolator, and
  what grows with the archive;
- ungrouped: the percolator given every subscription (a sample, scaled up), not each distinct search;
- `owed_matches` (reading + percolator) and the whole `match_pending` (plus writing the alerts
  and the immediate e-mails), as the worker runs them.

The baseline also checks that both ways find exactly the same releases for every search.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from harness import QUERY_WORDS, print_table, save, setup_django

PHRASES = ('"bilateral trade"', '"joint working group"', '"cyber security"', '"food security"')
COUNTRIES = ("PK", "IN", "RU", "CN", "US", "FR", "DE", "KE", "BR", "TR", "IR", "EG", "JP", "NG")


def search_pool(size: int, rng: random.Random) -> list[dict]:
    """Distinct searches as readers write them: a word or three, a phrase, countries, a year or two."""
    pool, seen = [], set()
    while len(pool) < size:
        params = {}
        shape = rng.random()
        if shape < 0.55:
            params["q"] = " ".join(rng.sample(QUERY_WORDS, rng.choice((1, 1, 2, 2, 3))))
        elif shape < 0.7:
            params["q"] = rng.choice(PHRASES)
        elif shape < 0.8:
            params["q"] = f"{rng.choice(QUERY_WORDS)} OR {rng.choice(QUERY_WORDS)} -{rng.choice(QUERY_WORDS)}"
        if rng.random() < 0.5 or not params:
            params["country"] = rng.sample(COUNTRIES, rng.choice((1, 1, 1, 2, 3)))
        if rng.random() < 0.15:
            year = rng.randint(2012, 2024)
            params.update({"from": str(year), "to": str(year + rng.randint(0, 2))})
        key = repr(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            pool.append(params)
    return pool


def store_subscriptions(count: int, distinct: int, seed: int) -> tuple[int, float]:
    from django.http import QueryDict
    from django.utils import timezone
    from django.utils.http import urlencode

    from articles.alerts.models import Subscription, search_key
    from articles.alerts.searches import canonical_query

    rng = random.Random(seed)
    queries = [canonical_query(QueryDict(urlencode(p, doseq=True))) for p in search_pool(distinct, rng)]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(queries))]  # a long tail of rare searches
    now = timezone.now()
    frequencies = ["immediate"] * 5 + ["daily"] * 4 + ["weekly"]
    Subscription.objects.all().delete()
    chosen = rng.choices(queries, weights, k=count)
    Subscription.objects.bulk_create(
        (
            Subscription(
                email=f"reader{number}@example.org",
                query=query,
                search_key=search_key(query),
                frequency=rng.choice(frequencies),
                confirmed_at=now,
            )
            for number, query in enumerate(chosen)
        ),
        batch_size=5000,
    )
    return len(set(chosen)), len(chosen) / len(set(chosen))


def prepare_archive(articles: int, seed: int) -> None:
    from django.core.management import call_command

    from articles.alerts.models import PendingAlertMatch
    from articles.models import Article
    from articles.search import index_exists

    if not index_exists():
        call_command("rebuild_index", verbosity=0)
    missing = articles - Article.objects.count()
    if missing > 0:
        print(f"Generating {missing:,} archive releases (seed {seed}) ...", flush=True)
        call_command("generate_articles", missing, seed=seed, verbosity=0)
    PendingAlertMatch.objects.all().delete()  # the archive was there before anyone subscribed


def import_new(count: int, seed: int) -> list[int]:
    from django.core.management import call_command

    from articles.alerts.models import PendingAlertMatch

    PendingAlertMatch.objects.all().delete()
    call_command("generate_articles", count, seed=seed, verbosity=0)
    return sorted(PendingAlertMatch.objects.values_list("article_id", flat=True))


def parsed_searches() -> tuple[float, dict]:
    """Every distinct stored search, read by the search page's form, as both ways need it."""
    from articles.alerts.models import Subscription
    from articles.alerts.searches import search_request_of

    started = time.perf_counter()
    queries = Subscription.objects.active().values_list("query", flat=True).distinct()
    requests = {query: search_request_of(query) for query in queries}
    return time.perf_counter() - started, requests


def percolation_alone(article_ids: list[int], requests: dict) -> float:
    from articles.models import Article
    from articles.search import percolate

    started = time.perf_counter()
    articles = Article.objects.public().filter(pk__in=article_ids).prefetch_related("country_tags")
    percolate(articles, requests)
    return time.perf_counter() - started


def baseline(article_ids: list[int], requests: dict) -> tuple[float, dict[str, list[int]]]:
    """Each distinct search on the full archive's index, keeping the new releases it finds."""
    import numpy as np

    from articles.search.searchers import searcher
    from articles.search.searching import matching_documents

    started = time.perf_counter()
    found = {}
    with searcher() as held:
        arrays = held.arrays()
        new = np.zeros(arrays.size, dtype=bool)
        for article_id in article_ids:
            number = held.searcher.document_number(id=str(article_id))
            if number is not None:
                new[number] = True
        for query, request in requests.items():
            hits = np.flatnonzero(matching_documents(request, arrays) & new)
            if len(hits):
                found[query] = sorted(held.article_id(int(number)) for number in hits)
    return time.perf_counter() - started, found


def ungrouped(article_ids: list[int], sample: int) -> float:
    """The percolator given a sample of subscriptions one by one, scaled up to all of them."""
    from articles.alerts.models import Subscription
    from articles.alerts.searches import search_request_of
    from articles.models import Article
    from articles.search import percolate

    total = Subscription.objects.active().count()
    rows = list(Subscription.objects.active().order_by("?").values_list("pk", "query")[:sample])
    started = time.perf_counter()
    articles = Article.objects.public().filter(pk__in=article_ids).prefetch_related("country_tags")
    percolate(articles, {pk: search_request_of(query) for pk, query in rows})
    return (time.perf_counter() - started) * total / len(rows)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=8000, help="searches in the pool they are drawn from")
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--data-dir", type=Path, help="keep the archive here between runs")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="pressroom-alert-bench-"))
    import os

    # E-mails are queued, never sent: the benchmark measures matching.
    os.environ["PRESSROOM_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ["PRESSROOM_INDEX_BESIDE_IMPORTS"] = "0"
    setup_django(data_dir)

    from articles.alerts.matching import match_pending, owed_matches
    from articles.alerts.models import Alert, Delivery
    from articles.models import Article

    prepare_archive(args.articles, args.seed)
    print(f"Storing {args.subscriptions:,} subscriptions ...", flush=True)
    distinct, per_search = store_subscriptions(args.subscriptions, args.distinct, args.seed)
    # New releases each run (a kept archive has the earlier runs' ones already).
    new_ids = import_new(args.new, args.seed + Article.objects.count())
    if len(new_ids) < args.new:
        sys.exit(f"only {len(new_ids)} of the {args.new} generated releases were new")

    parsing, requests = parsed_searches()
    matching = percolation_alone(new_ids, requests)
    naive, expected = baseline(new_ids, requests)
    started = time.perf_counter()
    _, matched = owed_matches()
    percolation = time.perf_counter() - started
    started = time.perf_counter()
    alerts = match_pending()
    whole = time.perf_counter() - started
    one_by_one = ungrouped(new_ids, sample=min(10_000, args.subscriptions))
    identical = matched == expected

    print()
    print(
        f"{args.subscriptions:,} subscriptions ({distinct:,} distinct searches, {per_search:.1f} readers "
        f"each on average) x {len(new_ids)} new releases; archive of {args.articles:,}"
    )
    print_table(
        ["step", "seconds", "vs percolator"],
        [
            ["reading the distinct searches (form)", f"{parsing:.2f}", ""],
            ["percolator: matching them on the new releases", f"{matching:.2f}", "1.0x"],
            ["baseline: matching them on the whole archive", f"{naive:.2f}", f"{naive / matching:.1f}x"],
            [
                "ungrouped: reading + matching every subscription (scaled)",
                f"{one_by_one:.2f}",
                f"{one_by_one / (parsing + matching):.1f}x (vs reading + percolator)",
            ],
            ["owed_matches (reading + percolator), as the worker", f"{percolation:.2f}", ""],
            ["match_pending (+ writing alerts, e-mails)", f"{whole:.2f}", ""],
        ],
    )
    print(
        f"{alerts:,} alerts owed, {Delivery.objects.filter(kind='alert').count():,} immediate e-mails "
        f"queued; {len(matched):,} searches matched; same releases as the baseline for every search: "
        f"{'yes' if identical else 'NO'}"
    )
    path = save(
        "alerts",
        {
            "articles": args.articles,
            "subscriptions": args.subscriptions,
            "distinct_searches": distinct,
            "new_releases": len(new_ids),
            "parsing_s": parsing,
            "percolator_s": matching,
            "owed_matches_s": percolation,
            "match_pending_s": whole,
            "baseline_s": naive,
            "ungrouped_s": one_by_one,
            "alerts": alerts,
            "alerts_in_db": Alert.objects.count(),
            "identical": identical,
        },
    )
    print(f"Saved {path}")
    if not identical:
        sys.exit("the percolator and the search engine disagree")


if __name__ == "__main__":
    main()
