"""A subscription's search as one canonical query string, read by the search page's own form.

Two ways of writing one search (countries in another order, from=2019 or from=2019-01-01) give
one string, so identical searches are matched once however many follow them; several values of
one filter stay "any of them", exactly as on the page.
"""

from django.http import QueryDict
from django.utils.http import urlencode

from ..feeds import describe_search
from ..forms import SearchForm
from ..models import country_names
from ..search import SearchRequest


def search_request_of(query: str | QueryDict) -> SearchRequest:
    """The search a query string asks for, as the search page reads it."""
    data = query if isinstance(query, QueryDict) else QueryDict(query)
    return SearchForm(data, country_names=country_names()).search_request(per_page=1)


def canonical_query(data: QueryDict) -> str:
    """The search's query string, in one spelling: what a Subscription keeps."""
    search = search_request_of(data)
    params = {}
    if search.query.text:
        params["q"] = search.query.text
    if search.countries:
        params["country"] = sorted(search.countries)
        if search.all_countries and len(search.countries) > 1:
            params["countries"] = "all"
    if search.published_from:
        params["from"] = search.published_from.isoformat()
    if search.published_to:
        params["to"] = search.published_to.isoformat()
    return urlencode(params, doseq=True)


def ignored_parts(data: QueryDict) -> list[str]:
    """What the search page would say it ignored of this search (a mistyped date, an unknown country)."""
    form = SearchForm(data, country_names=country_names())
    form.search_request(per_page=1)
    return form.notes


def describe(query: str) -> str:
    """The search in words, as its feed's title says it."""
    return describe_search(search_request_of(query), country_names())
