"""Links that change one thing about the current search and keep the rest of its URL."""

from django import template
from django.utils.http import urlencode

from ..forms import MAX_COUNTRIES

register = template.Library()


# The parameters of a search; a link keeps these and drops anything else a URL carried.
SEARCH_PARAMETERS = ("q", "country", "countries", "from", "to", "sort")


def search_url(query, **changes):
    """The search's URL with `changes`.

    Each parameter once (the last, as the form reads it), countries as the form caps them.
    """
    params = {key: query.getlist(key)[-1:] for key in SEARCH_PARAMETERS if key in query}
    if "country" in query:
        params["country"] = list(dict.fromkeys(query.getlist("country")))[:MAX_COUNTRIES]
    params.update({key: value for key, value in changes.items() if value is not None})
    params = {key: value for key, value in params.items() if value not in ("", [], None)}
    return "?" + urlencode(params, doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def toggle_country_url(context, code):
    """The current search with this country added to or removed from its filter."""
    query = context["request"].GET
    current = list(dict.fromkeys(query.getlist("country")))[:MAX_COUNTRIES]
    chosen = [c for c in current if c.upper() != code]
    if len(chosen) == len(current):
        chosen.append(code)
    return search_url(query, country=chosen)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    return search_url(context["request"].GET, page=number if number > 1 else None)


@register.filter
def page_window(results, radius=3):
    """Page numbers around the current page, with the first and last always shown."""
    pages = {
        1,
        results.pages,
        *range(max(1, results.page - radius), min(results.pages, results.page + radius) + 1),
    }
    return sorted(pages)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def mul(value, factor):
    return int(value) * int(factor)


@register.simple_tag(takes_context=True)
def search_query(context):
    """The current search's query string (without its page), for its feed and export."""
    return search_url(context["request"].GET)


@register.simple_tag(takes_context=True)
def corrected_search_url(context, text):
    """The current search with its words replaced by the corrected ones."""
    return search_url(context["request"].GET, q=text)


@register.simple_tag(takes_context=True)
def countries_mode_url(context, mode):
    """The current search matching any ("any") or all ("all") of its chosen countries."""
    return search_url(context["request"].GET, countries="all" if mode == "all" else "")
