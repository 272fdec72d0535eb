"""Running a reader's search: matching, sorting, paging, highlighting and country counts."""
import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from whoosh import highlight
from whoosh.query import And, Every, NumericRange, Or, Query, Term

from ..models import Article
from .index import searcher
from .query import UserQuery
from .schema import date_to_number

SORTS = ("relevance", "newest", "oldest")
SNIPPET_CHARACTERS = 240


@dataclass(frozen=True)
class SearchRequest:
    query: UserQuery
    countries: tuple[str, ...] = ()
    published_from: datetime.date | None = None
    published_to: datetime.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: SafeString


@dataclass(frozen=True)
class SearchResults:
    count: int
    page: int
    pages: int
    hits: list[SearchHit]
    # (country code, number of matches) for the query and dates, whatever countries are chosen
    country_counts: list[tuple[str, int]] = field(default_factory=list)


def search_articles(request: SearchRequest) -> SearchResults:
    """Run one search; raises IndexUnavailable when there is no index to ask."""
    date_filter = _date_filter(request.published_from, request.published_to)
    country_filter = Or([Term("countries", code) for code in request.countries]) if request.countries else None
    with searcher() as held:
        # Whoosh's own total ignores the filter in some cases, so the count comes from the
        # same unscored pass that counts the country facets, and is exact.
        count, country_counts = _count_matches(held, _combine(request.query.query, date_filter), request.countries)
        pages = max(1, -(-count // request.per_page))
        page = min(request.page, pages)
        results = held.searcher.search_page(
            request.query.query,
            page,
            pagelen=request.per_page,
            filter=_combine(date_filter, country_filter),
            terms=True,
            **_ordering(request),
        )
        results.results.formatter = _MarkFormatter()
        article_ids = [int(hit["id"]) for hit in results]
        articles = Article.objects.prefetch_related("countries").in_bulk(article_ids)
        hits = [
            SearchHit(articles[pk], _snippet(hit, articles[pk], request.query))
            for pk, hit in zip(article_ids, results)
            if pk in articles  # a row deleted since the search is simply not shown
        ]
    return SearchResults(count=count, page=page, pages=pages, hits=hits, country_counts=country_counts)


def _count_matches(held, query: Query | None, chosen_countries) -> tuple[int, list[tuple[str, int]]]:
    """Matches of the query within the chosen countries, and per-country counts ignoring that choice."""
    countries_by_docnum = held.countries_by_docnum()
    if query is None:
        docnums = held.searcher.reader().all_doc_ids()
    else:
        docnums = held.searcher.docs_for_query(query)
    chosen = set(chosen_countries)
    count, country_counts = 0, Counter()
    for docnum in docnums:
        codes = countries_by_docnum.get(docnum, ())
        country_counts.update(codes)
        if not chosen or not chosen.isdisjoint(codes):
            count += 1
    return count, sorted(country_counts.items(), key=lambda item: (-item[1], item[0]))


def _date_filter(start, end) -> Query | None:
    if not start and not end:
        return None
    return NumericRange(
        "published",
        date_to_number(start) if start else None,
        date_to_number(end) if end else None,
    )


def _combine(*queries) -> Query | None:
    present = [query for query in queries if query is not None and not isinstance(query, Every)]
    if not present:
        return None
    return present[0] if len(present) == 1 else And(present)


def _ordering(request: SearchRequest) -> dict:
    if request.sort == "relevance" and not request.query.is_empty:
        return {}
    return {"sortedby": "published", "reverse": request.sort != "oldest"}


class _MarkFormatter(highlight.HtmlFormatter):
    """Matched words in <mark>; Whoosh escapes the text around them."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(highlight.get_text(text, token, replace))}</mark>"


def _snippet(hit, article: Article, query: UserQuery) -> SafeString:
    if not query.is_empty:
        # A short body is shown whole; a long one as the passages around its matches.
        hit.results.fragmenter = (
            highlight.WholeFragmenter()
            if len(article.body) <= SNIPPET_CHARACTERS
            else highlight.ContextFragmenter(maxchars=SNIPPET_CHARACTERS, surround=70)
        )
        highlighted = hit.highlights("body", text=article.body, top=2)
        if highlighted:
            return mark_safe(highlighted)
    return escape(_opening(article.body))


def _opening(body: str) -> str:
    text = " ".join(body.split())
    if len(text) <= SNIPPET_CHARACTERS:
        return text
    return text[:SNIPPET_CHARACTERS].rsplit(" ", 1)[0] + " …"
