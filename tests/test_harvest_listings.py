"""What feeds and sitemaps list, read from bytes whatever they hold: pages, or a clear refusal."""

import gzip
import time
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.harvesting.listings import MAX_LISTING_BYTES, BadListing, ListedPage, read_listing

BASE = "https://mofa.example.gov/press/feed.xml"
SITEMAP = '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def listed(data: bytes) -> tuple[ListedPage, ...] | str:
    """The pages, or the refusal's reason."""
    try:
        return read_listing(data, BASE).pages
    except BadListing as error:
        return str(error)


def test_relative_links_are_resolved_against_the_listing_and_addresses_normalised():
    feed = (
        b'<rss version="2.0"><channel><title>Press</title>'
        b"<item><link>/press/2019/trade</link><pubDate>Fri, 27 Sep 2019 10:00:00 GMT</pubDate></item>"
        b"<item><link>HTTPS://MOFA.example.gov/press/2019/trade#comments</link></item>"
        b"<item><link>javascript:alert(1)</link></item><item><title>No link</title></item>"
        b"</channel></rss>"
    )
    listing = read_listing(feed, BASE)
    assert listing.pages == (
        ListedPage("https://mofa.example.gov/press/2019/trade", "Fri, 27 Sep 2019 10:00:00 GMT"),
    )
    assert listing.unusable == 2 and listing.kind == "RSS 2.0 feed"


def test_a_sitemap_bomb_is_refused_unpacked_past_the_limit():
    bomb = gzip.compress(SITEMAP.encode() + b" " * (MAX_LISTING_BYTES + 10))
    started = time.perf_counter()
    with pytest.raises(BadListing, match="unpacks to more than 10,485,760 bytes"):
        read_listing(bomb, BASE)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/&b;</loc></url></urlset>',
        b'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "file:///etc/passwd"><urlset><url><loc>/a</loc></url></urlset>',
    ],
)
def test_a_sitemap_with_entities_or_a_doctype_is_refused(document):
    with pytest.raises(BadListing, match="declares a DTD or entities"):
        read_listing(document, BASE)


def test_a_feed_of_expanding_entities_is_read_in_bounded_time():
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    feed = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>'
        '<rss version="2.0"><channel><title>&l9;</title><item><link>/a</link></item></channel></rss>'
    ).encode()
    started = time.perf_counter()
    outcome = listed(feed)
    assert time.perf_counter() - started < 5
    assert outcome == (ListedPage("https://mofa.example.gov/a"),) or isinstance(outcome, str)


@given(st.binary(max_size=2000))
def test_any_bytes_list_pages_or_are_refused_clearly(data):
    started = time.perf_counter()
    outcome = listed(data)
    assert isinstance(outcome, (tuple, str))
    if isinstance(outcome, str):
        assert outcome.startswith(("is not", "declares", "unpacks", "is gzip'd"))
    assert time.perf_counter() - started < 5


@given(
    st.sampled_from([b"<urlset>", SITEMAP.encode(), b'<rss version="2.0"><channel>', b"\x1f\x8b"]),
    st.binary(max_size=500),
)
def test_bytes_after_a_listing_s_opening_list_pages_or_are_refused_clearly(opening, rest):
    assert isinstance(listed(opening + rest), (tuple, str))


text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)


@given(st.lists(st.tuples(text, text), max_size=12))
def test_every_web_address_a_sitemap_lists_is_a_page(entries):
    body = "".join(
        f"<url><loc>{escape(loc)}</loc><lastmod>{escape(mod)}</lastmod></url>" for loc, mod in entries
    )
    outcome = listed((SITEMAP + body + "</urlset>").encode())
    if isinstance(outcome, str):  # characters XML 1.0 does not allow (control characters)
        assert outcome.startswith("is not a well-formed sitemap")
        return
    assert len(outcome) <= len(entries)
    assert all(page.url.startswith(("http://", "https://")) and len(page.stamp) <= 100 for page in outcome)
    assert len({page.url for page in outcome}) == len(outcome)


@given(st.lists(st.tuples(text, text, text), max_size=12))
def test_every_linked_entry_of_a_feed_is_a_page(entries):
    items = "".join(
        f"<entry><title>{escape(title)}</title><link href={quoteattr(link)}/>"
        f"<updated>{escape(updated)}</updated></entry>"
        for title, link, updated in entries
    )
    feed = f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>P</title>{items}</feed>'
    outcome = listed(feed.encode())
    if isinstance(outcome, str):
        assert outcome.startswith("is not RSS, Atom or a sitemap")
        return
    assert len(outcome) <= len(entries)
    assert all(page.url.startswith(("http://", "https://")) for page in outcome)


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1f", "\x7f"])
def test_an_address_with_a_control_character_is_no_web_address(character):
    """No server has one, and a NUL would stop the poll where it is stored (PostgreSQL refuses it)."""
    link = escape(f"/press/a{character}b")
    sitemap = f"{SITEMAP}<url><loc>{link}</loc></url><url><loc>/press/ok</loc></url></urlset>".encode()
    feed = (
        f'<rss version="2.0"><channel><title>P</title><item><link>/press/a&#{ord(character)};b</link></item>'
        "<item><link>/press/ok</link></item></channel></rss>"
    ).encode()
    for document in (sitemap, feed):
        if character == "\x00" and document is sitemap:
            continue  # XML allows no NUL at all: the sitemap is refused whole (below)
        try:
            listing = read_listing(document, BASE)
        except BadListing as error:  # XML 1.0 allows no control character but tab, line end
            assert str(error).startswith(("is not a well-formed sitemap", "is not RSS"))
            continue
        assert listing.pages == (ListedPage("https://mofa.example.gov/press/ok"),)
        assert listing.unusable == 1


def test_a_sitemap_in_utf_16_is_read_as_a_sitemap():
    document = f'<?xml version="1.0" encoding="UTF-16"?>{SITEMAP[38:]}<url><loc>/a</loc></url></urlset>'
    for encoding in ("utf-16", "utf-16-be"):
        data = document.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + document.encode(encoding)
        listing = read_listing(data, BASE)
        assert listing.kind == "sitemap" and listing.pages == (ListedPage("https://mofa.example.gov/a"),)


def test_a_gzip_d_sitemap_cut_short_is_refused_not_read_in_part():
    whole = SITEMAP + "".join(f"<url><loc>/p/{n}</loc></url>" for n in range(2000)) + "</urlset>"
    packed = gzip.compress(whole.encode())
    assert len(read_listing(packed, BASE).pages) == 2000
    with pytest.raises(BadListing, match="is gzip'd, and cut short before its end."):
        read_listing(packed[: len(packed) // 2], BASE)


def test_a_feed_listing_one_page_many_times_lists_it_once_where_it_first_comes():
    items = "".join(
        f"<item><link>{link}</link><pubDate>{date}</pubDate></item>"
        for link, date in [
            ("/a", "Fri, 27 Sep 2019 10:00:00 GMT"),
            ("/b", ""),
            ("HTTPS://MOFA.EXAMPLE.GOV/a#top", "Sat, 28 Sep 2019 10:00:00 GMT"),
            ("/a", ""),
        ]
    )
    listing = read_listing(
        f'<rss version="2.0"><channel><title>P</title>{items}</channel></rss>'.encode(), BASE
    )
    assert [page.url for page in listing.pages] == [
        "https://mofa.example.gov/a",
        "https://mofa.example.gov/b",
    ]
    assert listing.pages[0].stamp == "Fri, 27 Sep 2019 10:00:00 GMT"


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_a_title_of_megabytes_is_read_past_in_time_linear_in_its_size(size):
    feed = (
        f'<rss version="2.0"><channel><title>{"T" * size}</title>'
        f"<item><title>{'word ' * size}</title><link>/a</link></item></channel></rss>"
    )
    started = time.perf_counter()
    assert listed(feed.encode()) == (ListedPage("https://mofa.example.gov/a"),)
    assert time.perf_counter() - started < 0.5 * size / 100_000 + 0.5
