"""Running a reader's search: matching, sorting, paging, highlighting and country counts."""
import datetime
from collections import Counter
from dataclasses import dataclass, field, replace

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from whoosh import collectors, highlight

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
    with searcher() as held:
        s = held.searcher
        first = (request.page - 1) * request.per_page
        # One pass over the matches counts them, counts their countries and scores or sorts
        # only those inside the chosen countries; Whoosh's own filtered totals can be wrong.
        counter = _MatchCounter(
            s.collector(limit=first + request.per_page, terms=True, optimize=False, **_ordering(request)),
            countries_by_docnum=held.countries_by_docnum(),
            published_by_docnum=held.published_by_docnum(),
            date_range=_date_range(request.published_from, request.published_to),
            chosen_countries=set(request.countries),
        )
        s.search_with_collector(request.query.query, counter)
        results = counter.results()
        pages = max(1, -(-counter.count // request.per_page))
        if request.page > pages:  # past the end: show the last page
            return search_articles(replace(request, page=pages))
        results.formatter = _MarkFormatter()
        page_hits = results[first : first + request.per_page]
        article_ids = [int(hit["id"]) for hit in page_hits]
        articles = Article.objects.prefetch_related("countries").in_bulk(article_ids)
        hits = [
            SearchHit(articles[pk], _snippet(hit, articles[pk], request.query))
            for pk, hit in zip(article_ids, page_hits)
            if pk in articles  # a row deleted since the search is simply not shown
        ]
    country_counts = sorted(counter.country_counts.items(), key=lambda item: (-item[1], item[0]))
    return SearchResults(count=counter.count, page=request.page, pages=pages, hits=hits, country_counts=country_counts)


class _MatchCounter(collectors.WrappingCollector):
    """Counts every match within the dates, and its countries; passes on only those in the chosen countries."""

    def __init__(self, child, *, countries_by_docnum, published_by_docnum, date_range, chosen_countries):
        super().__init__(child)
        self.countries_by_docnum = countries_by_docnum
        self.published_by_docnum = published_by_docnum
        self.date_range = date_range
        self.chosen = chosen_countries
        self.count = 0
        self.country_counts = Counter()

    def collect_matches(self):
        child, countries_by_docnum, chosen = self.child, self.countries_by_docnum, self.chosen
        published, (first_day, last_day) = self.published_by_docnum, self.date_range or (None, None)
        country_counts = self.country_counts
        for sub_docnum in child.matches():
            docnum = self.offset + sub_docnum
            # A lookup per match: cheaper than asking the index for every document in the range.
            if first_day is not None and not first_day <= published[docnum] <= last_day:
                continue
            codes = countries_by_docnum.get(docnum, ())
            for code in codes:
                country_counts[code] += 1
            if chosen and chosen.isdisjoint(codes):
                continue
            self.count += 1
            child.collect(sub_docnum)


def _date_range(start, end) -> tuple[int, int] | None:
    if not start and not end:
        return None
    return (date_to_number(start) if start else 0, date_to_number(end) if end else 99_991_231)


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
