"""Atom feeds of searches: any search URL can be followed, newest releases first."""

import datetime
import re
from dataclasses import dataclass, replace

from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.xmlutils import SimplerXMLGenerator

from .forms import SearchForm
from .models import ArticleVersion, country_names
from .search import SearchHit, search_articles
from .templatetags.search_urls import search_url

FEED_ENTRIES = 50


# What XML 1.0 cannot carry: control characters but tab and line ends, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` as XML can hold it: each character it cannot shown as U+FFFD, the replacement character."""
    return _NOT_XML.sub("\ufffd", text)


class _XMLTextGenerator(SimplerXMLGenerator):
    """Writes every text and attribute through `xml_text`, so no release or query can make a feed malformed.

    Django's generator refuses control characters with an exception (a 500) and lets U+FFFE through.
    """

    def characters(self, content):
        super().characters(xml_text(content) if content else content)

    def startElement(self, name, attrs):
        super().startElement(name, {key: xml_text(str(value)) for key, value in (attrs or {}).items()})


class _AtomFeed(Atom1Feed):
    def write(self, outfile, encoding):
        # Atom1Feed.write, with the generator above.
        handler = _XMLTextGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


class SearchFeed(Feed):
    feed_type = _AtomFeed

    def get_object(self, request):
        form = SearchForm(request.GET, country_names=country_names())
        search = replace(form.search_request(per_page=FEED_ENTRIES), sort="newest", page=1)
        return {"request": request, "search": search, "results": search_articles(search)}

    def title(self, found):
        return f"Pressroom: {describe_search(found['search'], country_names())}"

    def subtitle(self, found):
        return f"The newest of {found['results'].count:,} press releases matching this search."

    def link(self, found):
        return "/" + search_url(found["request"].GET)

    def feed_url(self, found):
        """The feed's own address (Atom's rel="self"), with its search."""
        return "/feed/" + search_url(found["request"].GET)

    def items(self, found):
        hits = found["results"].hits
        latest = _latest_major_versions([hit.article.pk for hit in hits])
        return [_Entry(hit, latest.get(hit.article.pk)) for hit in hits]

    def item_title(self, entry):
        return entry.hit.article.title

    def item_description(self, entry):
        """The snippet, after the latest update's note when the release was updated since first published."""
        update = entry.latest_major
        if update is None or update.number == 1:
            return entry.hit.snippet
        when = date_format(timezone.localtime(update.created), "j F Y")
        return format_html(
            "<p>Updated on {}: {}</p>{}", when, update.note or "The release was revised.", entry.hit.snippet
        )

    def item_link(self, entry):
        return entry.hit.article.get_absolute_url()

    def item_pubdate(self, entry):
        return datetime.datetime.combine(entry.hit.article.published, datetime.time(), tzinfo=datetime.UTC)

    def item_updateddate(self, entry):
        """The last major change: feed readers show an entry again for those, never for a minor edit."""
        return entry.latest_major.created if entry.latest_major else None

    def item_categories(self, entry):
        return [country.name for country in entry.hit.article.countries.all()]


@dataclass(frozen=True)
class _Entry:
    hit: SearchHit
    latest_major: ArticleVersion | None  # None for a row written without versions


def _latest_major_versions(article_ids: list[int]) -> dict[int, ArticleVersion]:
    """Each article's latest major version, in one query for the whole feed."""
    latest_number = (
        ArticleVersion.objects.filter(article=OuterRef("article")).major().latest_first().values("number")[:1]
    )
    latest = ArticleVersion.objects.filter(article_id__in=article_ids, number=Subquery(latest_number))
    return {version.article_id: version for version in latest.only("article_id", "number", "created", "note")}


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
