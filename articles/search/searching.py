"""Running a reader's search: matching, sorting, paging, highlighting and country counts."""

import datetime
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
from django.utils.safestring import SafeString
from whoosh import query as whoosh_query

from ..models import Article
from .arrays import term_text
from .matching import match
from .query import UserQuery, parse_user_query
from .schema import SCHEMA, date_to_number
from .searchers import searcher
from .snippets import snippet
from .spelling import corrected_text

SORTS = ("relevance", "newest", "oldest")
# With a country chosen, relevance is multiplied by 1 + the release's weight for it / this:
# a title mention (3) doubles it, a mention in passing (1) adds a third.
COUNTRY_WEIGHT_SCALE = 3.0
CORRECT_BELOW = 3  # matches under which a corrected query is offered


@dataclass(frozen=True)
class SearchRequest:
    query: UserQuery
    countries: tuple[str, ...] = ()
    all_countries: bool = False  # every chosen country, rather than any of them
    published_from: datetime.date | None = None
    published_to: datetime.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    with_snippets: bool = True


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: SafeString


@dataclass(frozen=True)
class Period:
    """One bar of the chart: how many matches lie between two dates, written as the search form takes them."""

    name: str  # "2019-09", "2019", or a span of years "2010-2019"
    first: str  # "2019-09", "2019", "2010"
    last: str
    count: int


# The chart counts per month within one year, else per year, per decade, per century...:
# the shortest period that keeps it within this many bars.
MAX_PERIODS = 100


@dataclass(frozen=True)
class SearchResults:
    count: int
    page: int
    pages: int
    hits: list[SearchHit]
    # (country code, number of matches) for the query and dates, whatever countries are chosen
    country_counts: list[tuple[str, int]] = field(default_factory=list)
    # Matches per month when the dates lie within one year, else per year (or decade...)
    timeline: list[Period] = field(default_factory=list)
    # The query with misspelt words corrected, when it finds little (spelling.py)
    corrected_query: str | None = None


def search_articles(request: SearchRequest) -> SearchResults:
    """Run one search; raises IndexUnavailable when there is no index to ask."""
    with searcher() as held:
        arrays = held.arrays()
        matched, scores = match(request.query.query, arrays)
        if request.published_from or request.published_to:
            matched &= arrays.published_between(*_date_range(request.published_from, request.published_to))
        # Country counts are for the query and dates, whatever countries are chosen.
        country_counts = arrays.country_counts(matched)
        if request.countries:
            matched &= (
                arrays.in_every_country(request.countries)
                if request.all_countries
                else arrays.in_countries(request.countries)
            )
        count = int(np.count_nonzero(matched))
        corrected = (
            corrected_text(request.query.text, held)
            if count < CORRECT_BELOW and not request.query.is_empty
            else None
        )
        timeline = _timeline(arrays.published[matched], request)
        pages = max(1, -(-count // request.per_page))
        page = min(request.page, pages)  # past the end: show the last page
        first = (page - 1) * request.per_page
        docnums = _first_in_order(matched, _sort_keys(request, arrays, scores), first + request.per_page)[
            first:
        ]
        article_ids = _article_ids(held, docnums)
    articles = Article.objects.prefetch_related("countries").in_bulk(article_ids)
    highlighted_words = _highlighted_words(request.query) if request.with_snippets else frozenset()
    hits = [
        SearchHit(
            articles[pk],
            snippet(articles[pk].body, highlighted_words) if request.with_snippets else SafeString(""),
        )
        for pk in article_ids
        if pk in articles  # a row deleted since the search is simply not shown
    ]
    return SearchResults(
        count=count,
        page=page,
        pages=pages,
        hits=hits,
        country_counts=sorted(country_counts.items(), key=lambda item: (-item[1], item[0])),
        timeline=timeline,
        corrected_query=corrected,
    )


PREFIX_EXPANSIONS = 30


def suggest_titles(text: str, limit: int = 8) -> list[str]:
    """Titles for what a reader is typing: its whole words matched, its last word as a beginning."""
    words = text.split()
    if not words:
        return []
    complete, beginning = (words, "") if text[-1].isspace() else (words[:-1], words[-1].lower())
    parts = []
    if complete:
        parsed = parse_user_query(" ".join(complete))
        if not parsed.is_empty:
            parts.append(parsed.query)
    with searcher() as held:
        if beginning:
            reader = held.searcher.reader()
            expansions = sorted(
                (term_text(term) for term in islice(reader.expand_prefix("title", beginning), 500)),
                key=lambda term: -reader.doc_frequency("title", term),
            )[:PREFIX_EXPANSIONS]
            if not expansions:
                return []
            parts.append(whoosh_query.Or([whoosh_query.Term("title", term) for term in expansions]))
        if not parts:
            return []
        arrays = held.arrays()
        matched, scores = match(whoosh_query.And(parts) if len(parts) > 1 else parts[0], arrays)
        docnums = _first_in_order(matched, _best_first(arrays, scores), limit)
        ids = _article_ids(held, docnums)
    titles = dict(Article.objects.filter(pk__in=ids).values_list("pk", "title"))
    return list(dict.fromkeys(titles[pk] for pk in ids if pk in titles))


RELATED_COUNTRY_BONUS = 1.0  # a shared country weighs about as much as a shared uncommon word
RELATED_WORDS = 4


def related_articles(article: Article, limit: int = 5) -> list[Article]:
    """Releases most like this one: sharing the words of its title, and its countries."""
    words = list(dict.fromkeys(token.text for token in SCHEMA["title"].analyzer(article.title)))
    if not words:
        return []
    with searcher() as held:
        # The title's rarest words say most about it, and cost least to look up.
        reader = held.searcher.reader()
        words = sorted(words, key=lambda word: reader.doc_frequency("body", word))[:RELATED_WORDS]
        query = whoosh_query.Or(
            [whoosh_query.Term(field, word) for word in words for field in ("title", "body")]
        )
        arrays = held.arrays()
        matched, scores = match(query, arrays)
        codes = [country.code for country in article.countries.all()]
        if codes:
            scores = scores + RELATED_COUNTRY_BONUS * arrays.in_countries(codes)
        own = held.searcher.document_number(id=str(article.pk))
        if own is not None:
            matched[own] = False
        docnums = _first_in_order(matched, _best_first(arrays, scores), limit)
        ids = _article_ids(held, docnums)
    found = Article.objects.only("pk", "slug", "title", "published").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _timeline(published: np.ndarray, request: SearchRequest) -> list[Period]:
    """Matches per month of the one year the dates allow, else per year, decade or longer; dates as numbers (20190927)."""
    start, end = request.published_from, request.published_to
    if start and end and start.year == end.year:
        counts = np.bincount(published // 100 % 100, minlength=13)
        return [
            Period(month := f"{start.year:04d}-{number:02d}", month, month, int(counts[number]))
            for number in range(start.month, end.month + 1)
        ]
    if not len(published):
        return []
    years = published // 10000
    first, last = int(years.min()), int(years.max())
    width = 1
    while (last // width - first // width) >= MAX_PERIODS:
        width *= 10
    counts = np.bincount(years // width - first // width)
    periods = []
    for offset, count in enumerate(counts):
        since = (first // width + offset) * width
        until = since + width - 1
        name = f"{since:04d}" if width == 1 else f"{since:04d}-{until:04d}"
        periods.append(Period(name, f"{since:04d}", f"{until:04d}", int(count)))
    return periods


def _sort_keys(request: SearchRequest, arrays, scores) -> list[np.ndarray]:
    """Keys to order matches by, most significant first, each ascending."""
    if request.sort == "relevance" and request.countries:
        # A release about the chosen country ranks above one that names it in passing.
        about = arrays.weight_of_countries(request.countries)
        if request.query.is_empty:
            return [-about, -arrays.published, -np.arange(arrays.size)]
        return _best_first(arrays, scores * (1 + about / COUNTRY_WEIGHT_SCALE))
    if request.sort == "relevance" and not request.query.is_empty:
        return _best_first(arrays, scores)
    if request.sort == "oldest":
        return [arrays.published, np.arange(arrays.size)]
    return [-arrays.published, -np.arange(arrays.size)]


def _best_first(arrays, scores) -> list[np.ndarray]:
    """Highest score first; among equals, the newest."""
    return [-scores, -arrays.published, -np.arange(arrays.size)]


def _article_ids(held, docnums) -> list[int]:
    return [held.article_id(int(docnum)) for docnum in docnums]


def _first_in_order(matched: np.ndarray, keys: list[np.ndarray], how_many: int) -> np.ndarray:
    """The first `how_many` matching document numbers in the order of the keys, ties included."""
    candidates = np.flatnonzero(matched)
    if len(candidates) > how_many:
        # Keep only candidates whose first key can still place them in the first `how_many`.
        first_key = keys[0][candidates]
        cutoff = np.partition(first_key, how_many - 1)[how_many - 1]
        candidates = candidates[first_key <= cutoff]
    order = np.lexsort([key[candidates] for key in reversed(keys)])
    return candidates[order][:how_many]


def _date_range(start, end) -> tuple[int, int]:
    return (date_to_number(start) if start else 0, date_to_number(end) if end else 99_991_231)


def _highlighted_words(query: UserQuery) -> frozenset[str]:
    return query.wanted_words
