"""Atom feeds of searches: any search URL can be followed, newest releases first."""
import datetime
from dataclasses import replace

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from .forms import SearchForm
from .models import country_names
from .search.searching import search_articles

FEED_ENTRIES = 50


class SearchFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        form = SearchForm(request.GET, country_names=country_names())
        search = replace(form.search_request(per_page=FEED_ENTRIES), sort="newest", page=1)
        return {"request": request, "search": search, "results": search_articles(search)}

    def title(self, found):
        return f"Pressroom: {describe_search(found['search'], country_names())}"

    def subtitle(self, found):
        return f"The newest of {found['results'].count:,} press releases matching this search."

    def link(self, found):
        params = found["request"].GET.copy()
        params.pop("page", None)
        return "/?" + params.urlencode() if params else "/"

    def items(self, found):
        return found["results"].hits

    def item_title(self, hit):
        return hit.article.title

    def item_description(self, hit):
        return hit.snippet

    def item_link(self, hit):
        return hit.article.get_absolute_url()

    def item_pubdate(self, hit):
        return datetime.datetime.combine(hit.article.published, datetime.time(), tzinfo=datetime.UTC)

    def item_updateddate(self, hit):
        return hit.article.updated

    def item_categories(self, hit):
        return [country.name for country in hit.article.countries.all()]


def describe_search(search, names: dict[str, str]) -> str:
    """A search in words: 'Pakistan or Russia, "peace process", 2019-01-01 to 2019-12-31'."""
    parts = []
    if search.countries:
        parts.append(" or ".join(names.get(code, code) for code in search.countries))
    if search.query.text:
        parts.append(search.query.text)
    if search.published_from or search.published_to:
        start = search.published_from.isoformat() if search.published_from else "the beginning"
        end = search.published_to.isoformat() if search.published_to else "today"
        parts.append(f"{start} to {end}")
    return ", ".join(parts) or "all releases"
