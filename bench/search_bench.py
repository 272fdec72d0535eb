"""Search speed: Pressroom's search path against the textbook Whoosh path and SQLite FTS5.

    .venv/bin/python bench/search_bench.py --articles 10000

The textbook path is what Whoosh's documentation shows: one reused searcher,
`groupedby` country facets, a filter query, highlights from the text. The FTS5 path is the
same articles in an SQLite FTS5 table (bm25, snippet(), GROUP BY country counts). All three
answer the same 200 queries (1-3 words, phrases, with and without a country filter, a date
range, both) with the top 10, highlights and country counts. Reported: p50/p95/p99 ms and
the ratios. The first search of a word after a process starts reads its postings (cold);
the table shows both the cold first pass and the warm second pass over the mix.
"""

import argparse
import datetime
import math
import random
import tempfile
from pathlib import Path

from harness import QUERY_PHRASES, QUERY_WORDS, percentiles, print_table, save, setup_django, timed

PHRASES = tuple(f'"{phrase}"' for phrase in QUERY_PHRASES)
COUNTRIES = ("PK", "IN", "RU", "CN", "US", "FR", "DE", "KE", "BR", "TR", "IR", "EG")


KINDS = 6  # of query in the mix, which cycles through them


def query_mix(count, seed=7):
    rng = random.Random(seed)
    kinds = ("words", "words+country", "words+dates", "words+country+dates", "phrase", "phrase+country")
    assert len(kinds) == KINDS
    mix = []
    for number in range(count):
        kind = kinds[number % len(kinds)]
        text = (
            rng.choice(PHRASES)
            if kind.startswith("phrase")
            else " ".join(rng.sample(QUERY_WORDS, rng.randint(1, 3)))
        )
        countries = tuple(rng.sample(COUNTRIES, rng.randint(1, 2))) if "country" in kind else ()
        start = datetime.date(rng.randint(2012, 2022), 1, 1) if "dates" in kind else None
        end = start.replace(year=start.year + rng.randint(1, 3)) if start else None
        mix.append((kind, text, countries, start, end))
    return mix


def prepare_archive(articles, seed):
    from django.core.management import call_command

    from articles.models import Article
    from articles.search import index_exists

    call_command("collectstatic", interactive=False, verbosity=0)  # the page path renders static URLs
    if not index_exists():
        call_command("rebuild_index", verbosity=0)
    stored = Article.objects.count()
    if articles > stored:
        # The releases after those kept from an earlier run, stored in bulk; the index is rebuilt after.
        print(f"Generating {articles - stored:,} articles (seed {seed}) ...")
        call_command(
            "generate_articles", articles - stored, seed=seed, start=stored + 1, bulk=True, verbosity=0
        )
        call_command("rebuild_index", verbosity=0)


def pressroom_search(kind, text, countries, start, end):
    from articles.search import SearchRequest, parse_user_query, search_articles

    request = SearchRequest(
        parse_user_query(text), countries=countries, published_from=start, published_to=end, per_page=10
    )
    return search_articles(request).count


def page_request(client, counter, kind, text, countries, start, end):
    """The whole search page `/`: middleware, form, search, template (its cache bypassed)."""
    params = {"q": text, "country": list(countries), "n": next(counter)}
    if start:
        params.update({"from": start.isoformat(), "to": end.isoformat()})
    response = client.get("/", params)
    assert response.status_code == 200, response.status_code
    return len(response.content)


def textbook_search(searcher, kind, text, countries, start, end):
    """Whoosh as its documentation shows it."""
    from whoosh import sorting
    from whoosh.query import And, NumericRange, Or, Term

    from articles.models import Article
    from articles.search import parse_user_query
    from articles.search.schema import date_to_number

    filters = []
    if countries:
        filters.append(Or([Term("countries", code) for code in countries]))
    if start:
        filters.append(NumericRange("published", date_to_number(start), date_to_number(end)))
    results = searcher.search(
        whoosh_query(parse_user_query(text).query),
        limit=10,
        filter=And(filters) if filters else None,
        groupedby=sorting.FieldFacet("countries", allow_overlap=True),
        terms=True,
    )
    counts = {code: len(docs) for code, docs in results.groups("countries").items()}
    top = results[:10]
    bodies = Article.objects.in_bulk([int(hit["id"]) for hit in top])
    for hit in top:
        hit.highlights("body", text=bodies[int(hit["id"])].body, top=2)
    return len(results), counts


def whoosh_query(node):
    """Pressroom's query tree as Whoosh's query classes (as tests/test_matching.py converts it)."""
    from whoosh import query as whoosh

    from articles.search import query_tree as tree

    match node:
        case tree.Term(field, text, boost):
            return whoosh.Term(field, text, boost=boost)
        case tree.Phrase(field, words, slop, boost):
            return whoosh.Phrase(field, list(words), slop=slop, boost=boost)
        case tree.And(parts):
            return whoosh.And([whoosh_query(part) for part in parts])
        case tree.Or(parts):
            return whoosh.Or([whoosh_query(part) for part in parts])
        case tree.Not(part):
            return whoosh.Not(whoosh_query(part))
        case tree.Everything():
            return whoosh.Every()
    return whoosh.NullQuery


def fts5_archive(data_dir):
    """The archive's articles in an FTS5 table beside it, built once per archive."""
    import sqlite3

    import fts5

    from articles.models import Article

    path = data_dir / f"fts5-{Article.objects.count()}.sqlite3"
    if path.exists():
        return sqlite3.connect(path)
    return fts5.build(path, fts5_rows())


def fts5_rows():
    """The archive's articles as fts5.build takes them."""
    from articles.models import Article
    from articles.search.schema import date_to_number

    return (
        (
            article.pk,
            article.title,
            article.body,
            date_to_number(article.published),
            [c.code for c in article.countries.all()],
        )
        for article in Article.objects.order_by("pk").prefetch_related("countries").iterator(chunk_size=2000)
    )


def fts5_search(connection, kind, text, countries, start, end):
    import fts5

    from articles.search.schema import date_to_number

    first, last = (date_to_number(start), date_to_number(end)) if start else (None, None)
    return fts5.search(connection, text, countries, first, last)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--data-dir", type=Path, help="Reuse an archive here (made if missing).")
    parser.add_argument(
        "--textbook-sample",
        type=int,
        help="Time the textbook path on this many of the queries only (default: all up to 200,000 "
        "articles, 30 above, where each of its searches takes seconds).",
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="Make the archive and its FTS5 table, search nothing."
    )
    options = parser.parse_args()
    data_dir = (
        options.data_dir or Path(tempfile.gettempdir()) / f"pressroom-bench-{options.articles}-{options.seed}"
    )
    setup_django(data_dir)
    prepare_archive(options.articles, options.seed)

    from articles.search.process_index import open_index

    fts5_connection = fts5_archive(data_dir)
    if options.prepare_only:
        return
    mix = query_mix(options.queries)
    textbook_searcher = open_index().searcher()
    from itertools import count

    from django.test import Client

    page_client, page_counter = Client(HTTP_HOST="localhost"), count()
    paths = {
        "pressroom": pressroom_search,
        "page": lambda *query: page_request(page_client, page_counter, *query),
        "textbook": lambda *query: textbook_search(textbook_searcher, *query),
        "fts5": lambda *query: fts5_search(fts5_connection, *query),
    }
    timings = {(path, temperature): {} for path in paths for temperature in ("cold", "warm")}
    textbook_sample = options.textbook_sample or (len(mix) if options.articles <= 200_000 else 30)
    # Every step-th query, a step prime to the six kinds', so the sample holds every kind.
    textbook_step = max(1, len(mix) // textbook_sample)
    while textbook_step > 1 and math.gcd(textbook_step, KINDS) != 1:
        textbook_step += 1
    for temperature in ("cold", "warm"):
        for number, query in enumerate(mix):
            for path, run in paths.items():
                if path == "textbook" and number % textbook_step:
                    continue
                ms, _ = timed(run, *query)
                timings[(path, temperature)].setdefault(query[0], []).append(ms)
    textbook_searcher.close()

    report = {}
    for temperature in ("warm", "cold"):
        rows = []
        for kind in [*timings[("pressroom", temperature)], "all"]:
            stats = {
                path: percentiles(
                    sum(timings[(path, temperature)].values(), [])
                    if kind == "all"
                    else timings[(path, temperature)][kind]
                )
                for path in paths
            }
            report.setdefault(temperature, {})[kind] = stats
            ours, textbook, fts = stats["pressroom"], stats["textbook"], stats["fts5"]
            rows.append(
                [
                    kind,
                    f"{ours['p50']:.1f}",
                    f"{ours['p95']:.1f}",
                    f"{ours['p99']:.1f}",
                    f"{textbook['p50']:.1f}",
                    f"{textbook['p95']:.1f}",
                    f"{fts['p50']:.1f}",
                    f"{fts['p95']:.1f}",
                    f"{textbook['p95'] / ours['p95']:.2f}x",
                    f"{fts['p95'] / ours['p95']:.2f}x",
                ]
            )
        print(
            f"\nSearch, {options.articles:,} articles, {len(mix)} queries, {temperature} pass, "
            "top 10 + highlights + country counts (ms)"
            + (f"; the textbook path on every {textbook_step}th query only" if textbook_step > 1 else "")
        )
        print_table(
            [
                "kind",
                "ours p50",
                "p95",
                "p99",
                "textbook p50",
                "p95",
                "FTS5 p50",
                "p95",
                "p95 vs textbook",
                "vs FTS5",
            ],
            rows,
        )
    page_rows = []
    for kind in [*timings[("page", "warm")], "all"]:
        page = report["warm"][kind]["page"]
        page_rows.append([kind, f"{page['p50']:.1f}", f"{page['p95']:.1f}", f"{page['p99']:.1f}"])
    print(
        f"\nThe search page / (20 results, whole response, server time), "
        f"{options.articles:,} articles, warm (ms)"
    )
    print_table(["kind", "p50", "p95", "p99"], page_rows)
    saved = {
        "articles": options.articles,
        "queries": len(mix),
        "textbook_every": textbook_step,
        "results": report,
    }
    print(f"\nWritten to {save('search', saved)}")


if __name__ == "__main__":
    main()
