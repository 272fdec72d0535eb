"""A feed's or a sitemap's bytes -> the pages it lists, each with the date it gives for it.

Pure: nothing is fetched. Feeds (RSS, Atom) are read by feedparser from the bytes given, never
from a URL; sitemaps (<urlset>, <sitemapindex>, gzip'd or not) by defusedxml, which refuses
DTDs, entities and external references. A document that is none of these raises BadListing.
"""

import codecs
import io
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree

from ..ingest.errors import RejectedArticle
from ..ingest.records import normalised_url

# A feed or sitemap, compressed or as read: the sitemap protocol's 50,000 addresses fit in 10 MB.
MAX_LISTING_BYTES = 10 * 1024 * 1024
MAX_LISTED_PAGES = 50_000  # the sitemap protocol's limit per file
STAMP_MAX_LENGTH = 100
_FEED_KINDS = {
    "rss20": "RSS 2.0",
    "rss10": "RSS 1.0",
    "rss090": "RSS 0.90",
    "atom10": "Atom 1.0",
    "atom03": "Atom 0.3",
}
# An element's name: "<" and a letter, so "<?xml", "<!--" and "<!DOCTYPE" are passed over.
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SITEMAP_ROOTS = {b"urlset": "sitemap", b"sitemapindex": "sitemap index"}


class BadListing(Exception):
    """The document is not a feed or sitemap Pressroom can read; the message says why, after "The feed "."""


@dataclass(frozen=True)
class ListedPage:
    url: str  # absolute and normalised (records.normalised_url): one page, one address
    stamp: str = ""  # the date the listing gives for it (updated, else published; lastmod), as written


@dataclass(frozen=True)
class Listing:
    kind: str  # "RSS 2.0 feed", "Atom 1.0 feed", "sitemap", "sitemap index"
    pages: tuple[ListedPage, ...] = ()
    sitemaps: tuple[str, ...] = ()  # a sitemap index's sitemaps
    unusable: int = 0  # entries without a web address


def read_listing(data: bytes, url: str) -> Listing:
    """The pages (or, for a sitemap index, the sitemaps) a document fetched from `url` lists."""
    data = _uncompressed(data)
    kind = _sitemap_kind(data)
    return _read_sitemap(data, url, kind) if kind else _read_feed(data, url)


def _uncompressed(data: bytes) -> bytes:
    """A gzip'd sitemap (sitemap.xml.gz) unpacked, never past MAX_LISTING_BYTES."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    unpacker = zlib.decompressobj(wbits=31)
    try:
        unpacked = unpacker.decompress(data, MAX_LISTING_BYTES + 1)
    except zlib.error as error:
        raise BadListing(f"is gzip'd, and damaged ({error}).") from error
    if len(unpacked) > MAX_LISTING_BYTES or unpacker.unconsumed_tail:
        raise BadListing(f"unpacks to more than {MAX_LISTING_BYTES:,} bytes, the most Pressroom reads.")
    if (
        not unpacker.eof
    ):  # else a sitemap cut short at an entry's end would list its first pages alone, unnoticed
        raise BadListing("is gzip'd, and cut short before its end.")
    return unpacked


def _sitemap_kind(data: bytes) -> str:
    """ "sitemap" or "sitemap index" by the first element's name ("<?xml" and "<!--" name none), else ""."""
    head = data[: 128 * 1024]
    if head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):  # XML's other encoding without a declaration
        head = head.decode("utf-16", "replace").encode("utf-8")
    found = _FIRST_ELEMENT.search(head, 0, 64 * 1024)
    return _SITEMAP_ROOTS.get(found.group(2), "") if found else ""


def _read_feed(data: bytes, url: str) -> Listing:
    import feedparser  # a third of a second to import, and only pollers need it

    # Bytes in a BytesIO: feedparser fetches a URL or opens a file it is handed as a string.
    # Only addresses and dates are read, so the document's own declaration of its encoding will do.
    headers = {"content-location": url, "content-type": "application/xml"}
    found = feedparser.parse(io.BytesIO(data), response_headers=headers)
    entries = found.get("entries") or []
    version = found.get("version") or ""
    if not entries and (found.get("bozo") or not version):
        reason = found.get("bozo_exception") or "it names no feed format"
        raise BadListing(f"is not RSS, Atom or a sitemap: {str(reason)[:200]}.")
    pages, unusable = [], 0
    for entry in entries[:MAX_LISTED_PAGES]:
        address = _address(entry.get("link") or "", url)
        if not address:
            unusable += 1
            continue
        # dict.get: FeedParserDict's own get gives "published" for a missing "updated", with a warning.
        stamp = dict.get(entry, "updated") or dict.get(entry, "published") or ""
        pages.append(ListedPage(address, _stamp(stamp)))
    return Listing(f"{_FEED_KINDS.get(version, version)} feed", _distinct(pages), unusable=unusable)


def _read_sitemap(data: bytes, url: str, kind: str) -> Listing:
    entry_tag = "url" if kind == "sitemap" else "sitemap"
    found, unusable = [], 0
    try:
        for _, element in defusedxml.ElementTree.iterparse(
            io.BytesIO(data), events=("end",), forbid_dtd=True
        ):
            if _local(element.tag) != entry_tag:
                continue
            fields = {_local(child.tag): (child.text or "").strip() for child in element}
            element.clear()  # what has been read is let go: a large sitemap is read in little memory
            address = _address(fields.get("loc", ""), url)
            if not address:
                unusable += 1
            elif len(found) < MAX_LISTED_PAGES:
                found.append(ListedPage(address, _stamp(fields.get("lastmod", ""))))
    except ParseError as error:
        raise BadListing(f"is not a well-formed sitemap ({str(error)[:200]}).") from error
    except (
        defusedxml.DTDForbidden,
        defusedxml.EntitiesForbidden,
        defusedxml.ExternalReferenceForbidden,
    ) as error:
        raise BadListing(
            "declares a DTD or entities, which no sitemap needs and Pressroom does not read."
        ) from error
    if kind == "sitemap":
        return Listing(kind, _distinct(found), unusable=unusable)
    return Listing(kind, sitemaps=tuple(dict.fromkeys(page.url for page in found)), unusable=unusable)


def _local(tag) -> str:
    """An element's name without its namespace ("{http://www.sitemaps.org/...}loc" -> "loc")."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _address(link: str, base: str) -> str:
    """The entry's page as an absolute, normalised web address, or "" when it gives none."""
    link = link.strip()
    if not link or _CONTROL.search(link):  # no server has such an address, and no database column keeps a NUL
        return ""
    try:
        return normalised_url(urljoin(base, link))
    except (RejectedArticle, ValueError):
        return ""


def _stamp(text: str) -> str:
    return " ".join(str(text).split())[:STAMP_MAX_LENGTH]


def _distinct(pages: list[ListedPage]) -> tuple[ListedPage, ...]:
    """Each address once, where the listing first names it."""
    seen: dict[str, ListedPage] = {}
    for page in pages:
        seen.setdefault(page.url, page)
    return tuple(seen.values())
