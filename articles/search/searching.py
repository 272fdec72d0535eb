"""Running a reader's search: matching, sorting, paging, highlighting and country counts."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
from django.utils.safestring import SafeString

from ..models import Article
from .arrays import term_text
from .matching import match
from .query import UserQuery, parse_user_query
from .query_tree import And, Or, Term
from .schema import SCHEMA, date_to_number
from .searchers import searcher
from .snippets import snippet
from .spelling import corrected_text

SORTS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}  # name -> label
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
        matches = _matching(request, arrays)
        counts = _counting(request, matches, arrays, held)
        page = _page(request, matches, counts.count, arrays, held)
    return SearchResults(
        count=counts.count,
        page=page.number,
        pages=page.pages,
        hits=_hits(request, page.article_ids),
        country_counts=counts.country_counts,
        timeline=counts.timeline,
        corrected_query=counts.corrected_query,
    )


def matching_documents(request: SearchRequest, arrays) -> np.ndarray:
    """A mask of the documents a search shows, within its dates and countries (percolator.py)."""
    return _matching(request, arrays).documents


@dataclass(frozen=True)
class _Matches:
    documents: np.ndarray  # a mask: what the query, the dates and the countries let through
    scores: np.ndarray
    before_countries: np.ndarray  # the query and dates alone, what the country counts count


def _matching(request: SearchRequest, arrays) -> _Matches:
    """The documents the query finds within the dates and countries, and their scores."""
    matched, scores = match(request.query.query, arrays)
    if request.published_from or request.published_to:
        matched &= arrays.published_between(*_date_range(request.published_from, request.published_to))
    found = matched
    if request.countries:
        found = matched & (
            arrays.in_every_country(request.countries)
            if request.all_countries
            else arrays.in_countries(request.countries)
        )
    return _Matches(found, scores, matched)


@dataclass(frozen=True)
class _Counts:
    count: int
    country_counts: list[tuple[str, int]]
    timeline: list[Period]
    corrected_query: str | None


def _counting(request: SearchRequest, matches: _Matches, arrays, held) -> _Counts:
    """How many matches, per country and per period, and a corrected query when they are few."""
    count = int(np.count_nonzero(matches.documents))
    # Country counts are for the query and dates, whatever countries are chosen.
    country_counts = arrays.country_counts(matches.before_countries)
    corrected = (
        corrected_text(request.query.text, held)
        if count < CORRECT_BELOW and not request.query.is_empty
        else None
    )
    return _Counts(
        count=count,
        country_counts=sorted(country_counts.items(), key=lambda item: (-item[1], item[0])),
        timeline=_timeline(arrays.published[matches.documents], request),
        corrected_query=corrected,
    )


@dataclass(frozen=True)
class _Page:
    number: int
    pages: int
    article_ids: list[int]  # in the order asked for


def _page(request: SearchRequest, matches: _Matches, count: int, arrays, held) -> _Page:
    """The page asked for (the last one when past the end): its articles, in the order asked for."""
    pages = max(1, -(-count // request.per_page))
    number = min(request.page, pages)
    keys = _sort_keys(request, arrays, matches.scores)
    first = (number - 1) * request.per_page
    return _Page(number, pages, _first_ids(held, matches.documents, keys, request.per_page, skip=first))


def _hits(request: SearchRequest, article_ids: list[int]) -> list[SearchHit]:
    """The articles with their snippets, read after the searcher is let go."""
    articles = _in_order(Article.objects.prefetch_related("countries"), article_ids)
    if not request.with_snippets:
        return [SearchHit(article, SafeString("")) for article in articles]
    return [SearchHit(article, snippet(article.body, request.query.wanted_words)) for article in articles]


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
            parts.append(Or(tuple(Term("title", term) for term in expansions)))
        if not parts:
            return []
        arrays = held.arrays()
        matched, scores = match(And(tuple(parts)) if len(parts) > 1 else parts[0], arrays)
        ids = _first_ids(held, matched, _best_first(arrays, scores), limit)
    titles = (article.title for article in _in_order(Article.objects.only("pk", "title"), ids))
    return list(dict.fromkeys(titles))  # releases may share a title


RELATED_COUNTRY_BONUS = 1.0  # a shared country weighs about as much as a shared uncommon word
RELATED_WORDS = 4
# A word in more releases than this share of the archive (and than the floor) says little about
# what a release is about, and is the costliest to read: at a million releases, reading such a
# word's postings for a permalink's first view took 100-200 ms. Left out unless the title has none other.
RELATED_COMMON_SHARE = 0.05
RELATED_COMMON_FLOOR = 1000


def related_articles(article: Article, limit: int = 5) -> list[Article]:
    """Releases most like this one: sharing the words of its title, and its countries."""
    words = list(dict.fromkeys(token.text for token in SCHEMA["title"].analyzer(article.title)))
    if not words:
        return []
    with searcher() as held:
        # The title's rarest words say most about it, and cost least to look up.
        reader = held.searcher.reader()
        frequency = {
            word: reader.doc_frequency("title", word) + reader.doc_frequency("body", word) for word in words
        }
        words = sorted(words, key=frequency.get)
        too_common = max(RELATED_COMMON_FLOOR, RELATED_COMMON_SHARE * reader.doc_count())
        words = [word for word in words if frequency[word] <= too_common][:RELATED_WORDS] or words[:1]
        query = Or(tuple(Term(field, word) for word in words for field in ("title", "body")))
        arrays = held.arrays()
        matched, scores = match(query, arrays)
        codes = [country.code for country in article.countries.all()]
        if codes:
            scores = scores + RELATED_COUNTRY_BONUS * arrays.in_countries(codes)
        own = held.searcher.document_number(id=str(article.pk))
        if own is not None:
            matched[own] = False
        ids = _first_ids(held, matched, _best_first(arrays, scores), limit)
    return _in_order(Article.objects.only("pk", "slug", "title", "published"), ids)


def _timeline(published: np.ndarray, request: SearchRequest) -> list[Period]:
    """Matches per month of the one year the dates allow, else per year, decade or longer.

    The dates are numbers (20190927).
    """
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


def _sort_keys(request: SearchRequest, arrays, scores) -> list[Callable[[np.ndarray], np.ndarray]]:
    """Keys to order matches by, most significant first, each ascending: each a function giving
    the keys of some documents, so that a search works out only its candidates' keys."""
    if request.sort == "relevance" and request.countries:
        # A release about the chosen country ranks above one that names it in passing.
        about = arrays.weight_of_countries(request.countries)
        if request.query.is_empty:
            return [lambda chosen: -about[chosen], *_newest_first(arrays)]
        return [
            lambda chosen: -scores[chosen] * (1 + about[chosen] / COUNTRY_WEIGHT_SCALE),
            *_newest_first(arrays),
        ]
    if request.sort == "relevance" and not request.query.is_empty:
        return _best_first(arrays, scores)
    if request.sort == "oldest":
        return [lambda chosen: arrays.published[chosen], lambda chosen: chosen]
    return _newest_first(arrays)


def _best_first(arrays, scores) -> list[Callable[[np.ndarray], np.ndarray]]:
    """Highest score first; among equals, the newest."""
    return [lambda chosen: -scores[chosen], *_newest_first(arrays)]


def _newest_first(arrays) -> list[Callable[[np.ndarray], np.ndarray]]:
    """The latest published first; among those of a day, the last indexed."""
    return [lambda chosen: -arrays.published[chosen], lambda chosen: -chosen]


def _first_ids(held, matched: np.ndarray, keys: list[Callable], how_many: int, skip: int = 0) -> list[int]:
    """The articles of the first matches in the order of the keys, after skipping `skip` of them."""
    docnums = _first_in_order(matched, keys, skip + how_many)[skip:]
    return [held.article_id(int(docnum)) for docnum in docnums]


def _in_order(articles, ids: list[int]) -> list[Article]:
    """The rows of `ids`, in that order; a row deleted since the search is simply not shown.

    Read after the searcher is let go, so that the database's errors are not taken for the index's.
    """
    found = articles.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _first_in_order(matched: np.ndarray, keys: list[Callable], how_many: int) -> np.ndarray:
    """The first `how_many` matching document numbers in the order of the keys, ties included."""
    candidates = np.flatnonzero(matched)
    if len(candidates) > how_many:
        # Keep only candidates whose first key can still place them in the first `how_many`.
        first_key = keys[0](candidates)
        cutoff = np.partition(first_key, how_many - 1)[how_many - 1]
        candidates = candidates[first_key <= cutoff]
    order = np.lexsort([key(candidates) for key in reversed(keys)])
    return candidates[order][:how_many]


def _date_range(start, end) -> tuple[int, int]:
    return (date_to_number(start) if start else 0, date_to_number(end) if end else 99_991_231)
