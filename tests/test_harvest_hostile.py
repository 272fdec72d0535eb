"""Harvesting as a hostile publisher, a clumsy editor and an operator on a bad day would try it,
against real web servers on 127.0.0.1."""

import gzip
import re
import socket
import threading
import time
import tracemalloc
import zlib

import pytest

from articles.harvesting import fetching
from articles.models import Article

from .local_site import Answer, LocalSite
from .test_harvesting import FRIDAY, TRADE, outcomes, poll, press_page, rss, source_at


@pytest.fixture
def site():
    site = LocalSite().start()
    yield site
    site.stop()


class DribblingServer:
    """A server that answers every request with `answer`, one byte every `pause` seconds, and then
    `forever` (bytes sent again and again) until the client hangs up: no HTTP library would serve so."""

    def __init__(self, answer: bytes, pause: float, forever: bytes = b""):
        self._answer, self._pause, self._forever = answer, pause, forever
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._dribble, args=(connection,), daemon=True).start()

    def _dribble(self, connection):
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            try:
                for byte in self._answer:
                    connection.sendall(bytes([byte]))
                    time.sleep(self._pause)
                while self._forever and not self._stopped.is_set():
                    connection.sendall(self._forever)
                    time.sleep(self._pause)
            except OSError:
                pass  # Pressroom hung up: as it should

    def stop(self):
        self._stopped.set()
        self._listener.close()


def fetch_within(url: str, seconds: float, timeout: float = 0.3) -> str:
    """What a fetch of `url` failed with, or "hung" when it took longer than `seconds`."""
    outcome = ["hung"]

    def fetch():
        try:
            with fetching.Fetcher(timeout=timeout) as fetcher:
                fetcher.get(url, what="page", max_bytes=1_000_000)
            outcome[0] = "fetched"
        except fetching.FetchFailed as error:
            outcome[0] = str(error)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(seconds)
    return outcome[0]


def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


@pytest.mark.parametrize(
    "coding, error",
    [
        ("gzip", "The page is larger than 1,000,000 bytes, the most Pressroom reads."),
        ("gzip, gzip", "The page is compressed as 'gzip, gzip', which Pressroom does not read."),
    ],
)
def test_a_compressed_page_is_cut_at_the_size_cap_as_it_unpacks(site, coding, error):
    """A few kilobytes that unpack to 200 MB (gzip'd twice, to gigabytes): never unpacked past the cap."""
    bomb = gzip_of_zeros(200 * 1024 * 1024)
    if coding == "gzip, gzip":
        bomb = gzip.compress(bomb)
    site.answers["/bomb"] = Answer(
        body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": coding}
    )
    tracemalloc.start()
    try:
        with fetching.Fetcher() as fetcher, pytest.raises(fetching.FetchFailed, match=re.escape(error)):
            fetcher.get(f"{site.url}/bomb", what="page", max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024


def test_headers_dribbled_a_byte_at_a_time_are_cut_off_at_the_deadline():
    server = DribblingServer(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 10_000, pause=0.05)
    try:
        started = time.monotonic()
        outcome = fetch_within(server.url + "/feed.rss", seconds=5)
        assert outcome == "The page did not arrive whole within 0.9 s."
        assert time.monotonic() - started < 2
    finally:
        server.stop()


def test_a_compressed_body_that_unpacks_to_nothing_is_cut_off_at_the_deadline():
    # A gzip stream of empty stored blocks: bytes arrive for ever, and not one byte unpacks.
    header = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"
    empty_block = b"\x00\x00\x00\xff\xff"  # a stored block, not the last, of no bytes
    server = DribblingServer(header + gzip.compress(b"")[:10], pause=0.01, forever=empty_block)
    try:
        started = time.monotonic()
        outcome = fetch_within(server.url + "/page", seconds=5)
        assert outcome == "The page did not arrive whole within 0.9 s."
        assert time.monotonic() - started < 2
    finally:
        server.stop()


def test_a_page_compressed_or_not_is_read_whole(site):
    page = b"<html><body><p>" + "Réunion à Genève ".encode() * 5000 + b"</p></body></html>"
    site.answers["/gzip"] = Answer(body=gzip.compress(page), headers={"Content-Encoding": "gzip"})
    site.answers["/deflate"] = Answer(body=zlib.compress(page), headers={"Content-Encoding": "Deflate"})
    site.answers["/plain"] = Answer(body=page, headers={"Content-Encoding": "identity"})
    site.answers["/damaged"] = Answer(body=b"\x1f\x8b" + page, headers={"Content-Encoding": "gzip"})
    site.answers["/brotli"] = Answer(body=page, headers={"Content-Encoding": "br"})
    with fetching.Fetcher() as fetcher:
        for path in ("/gzip", "/deflate", "/plain"):
            assert fetcher.get(f"{site.url}{path}", what="page", max_bytes=len(page)).body == page
        with pytest.raises(fetching.FetchFailed, match="The page's compressed answer is damaged."):
            fetcher.get(f"{site.url}/damaged", what="page", max_bytes=2 * len(page))
        with pytest.raises(fetching.FetchFailed, match="compressed as 'br', which Pressroom does not read"):
            fetcher.get(f"{site.url}/brotli", what="page", max_bytes=len(page))
    assert site.requested("/gzip")[0]["Accept-Encoding"] == "gzip, deflate"


def test_a_robots_txt_longer_than_pressroom_reads_is_read_as_far_as_it_reads(archive, site):
    """RFC 9309: a crawler reads at least 500 KiB of it; what is beyond is not its rules."""
    rules = "User-agent: *\nDisallow: /private/\n" + "# a comment of the site's\n" * 40_000  # 1 MB
    site.put("/robots.txt", rules, "text/plain")
    feed = rss(("Trade", "/press/trade", FRIDAY), ("Minutes", "/private/minutes", FRIDAY))
    site.put("/feed.rss", feed, "application/rss+xml")
    site.put("/press/trade", press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE))
    site.put("/private/minutes", press_page("Minutes", "2019-09-27", TRADE))
    source = source_at(f"{site.url}/feed.rss")
    batch = poll(archive, source)
    assert source.last_error == ""
    assert batch.created_count == 1 and batch.failed_count == 1  # its rules are kept
    assert site.requested("/private/minutes") == []


def test_a_page_naming_another_sites_page_as_its_canonical_url_does_not_rewrite_that_release(archive, site):
    """A hostile publisher's page claims, by its canonical URL, to be a ministry's release."""
    site.put("/feed.rss", rss(("Trade", "/press/trade", FRIDAY)), "application/rss+xml")
    site.put("/press/trade", press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE))
    poll(archive, source_at(f"{site.url}/feed.rss"))
    ministry_release = f"{site.url}/press/trade"
    hostile = LocalSite().start()
    try:
        hostile.put("/feed.rss", rss(("Trade", "/fake", FRIDAY)), "application/rss+xml")
        forged = "ISLAMABAD - The Foreign Minister cancelled all trade talks with Kenya today."
        hostile.put(
            "/fake",
            press_page(
                "Pakistan and Kenya to deepen trade ties", "2019-09-27", forged, canonical=ministry_release
            ),
        )
        batch = poll(archive, source_at(f"{hostile.url}/feed.rss", name="Hostile"))
    finally:
        hostile.stop()
    assert outcomes(batch) == {"/fake": ("created", "")}
    kept = Article.objects.get(identifier=ministry_release)
    assert "cancelled" not in kept.body and kept.versions.count() == 1
    assert Article.objects.get(identifier=f"{hostile.url}/fake").source_url == f"{hostile.url}/fake"


def test_a_page_answering_304_to_a_question_never_asked_is_refused_with_that_reason(archive, site):
    site.put("/feed.rss", rss(("Trade", "/press/trade", FRIDAY)), "application/rss+xml")
    site.answers["/press/trade"] = Answer(304)
    site.answers["/robots.txt"] = Answer(304)  # says nothing of its rules: as if it were missing
    source = source_at(f"{site.url}/feed.rss")
    batch = poll(archive, source)
    assert source.last_error == ""
    assert outcomes(batch) == {
        "/press/trade": (
            "failed",
            "The page answered 304 Not Modified to a request that was not conditional.",
        )
    }


def test_a_sitemap_index_that_lists_itself_is_read_once(archive, site):
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url}/sitemap.xml</loc></sitemap><sitemap><loc>/pages.xml</loc></sitemap>"
        "</sitemapindex>"
    )
    site.put("/sitemap.xml", index, "application/xml")
    site.put("/pages.xml", "<urlset><url><loc>/press/trade</loc></url></urlset>", "application/xml")
    site.put("/press/trade", press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE))
    source = source_at(f"{site.url}/sitemap.xml")
    batch = poll(archive, source)
    assert outcomes(batch) == {"/press/trade": ("created", "")} and source.last_error == ""
    assert "is an index itself; indexes within indexes are not followed." in batch.note
    assert len(site.requested("/sitemap.xml")) == 2  # itself, once as its own sitemap: no loop


CUT_SITEMAP = gzip.compress(
    ("<urlset>" + "".join(f"<url><loc>/press/{n}</loc></url>" for n in range(2000)) + "</urlset>").encode()
)[:2000]


@pytest.mark.parametrize(
    "listing, kind, error",
    [
        (b"", "", "The feed is not RSS, Atom or a sitemap: it names no feed format."),
        (gzip.compress(b""), "", "The feed is not RSS, Atom or a sitemap: it names no feed format."),
        (CUT_SITEMAP, "sitemap", "The sitemap is gzip'd, and cut short before its end."),
    ],
)
def test_an_empty_or_cut_listing_fails_its_source_clearly(archive, site, listing, kind, error):
    site.put("/listing", listing, "application/xml")
    source = source_at(f"{site.url}/listing", kind=kind)
    assert poll(archive, source) is None
    assert source.last_error == error and source.failures == 1


def test_a_feed_of_no_items_polls_well_and_records_no_batch(archive, site):
    site.put("/feed.rss", rss(), "application/rss+xml")
    source = source_at(f"{site.url}/feed.rss")
    assert poll(archive, source) is None
    assert source.last_error == "" and source.kind == "RSS 2.0 feed"


def test_entries_without_a_usable_link_are_counted_and_the_others_imported(archive, site):
    feed = (
        '<rss version="2.0"><channel><title>Press</title>'
        "<item><title>No link at all</title></item>"
        "<item><title>Null</title><link>/press/a&#0;b</link></item>"
        "<item><title>Script</title><link>javascript:alert(1)</link></item>"
        "<item><title>Trade</title><link>press/trade</link></item>"  # relative to the feed's folder
        "<item><title>Trade again</title><link>/feeds/press/trade#comments</link></item>"
        f"<item><title>{'T' * 100_000}</title><link>/feeds/press/trade</link></item>"
        "</channel></rss>"
    )
    site.put("/feeds/press.rss", feed, "application/rss+xml")
    site.put("/feeds/press/trade", press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE))
    source = source_at(f"{site.url}/feeds/press.rss")
    batch = poll(archive, source)
    assert outcomes(batch) == {"/feeds/press/trade": ("created", "")} and source.last_error == ""
    assert "3 of its entries give no web address." in batch.note
    assert len(site.requested("/feeds/press/trade")) == 1  # listed three times, fetched once


@pytest.mark.parametrize("robots", ["javascript:alert(1)", "/robots.txt", ""])
def test_a_robots_txt_redirecting_nowhere_counts_as_missing(archive, site, robots):
    """RFC 9309: redirects that lead to no robots.txt (a script's address, a loop) are a missing one."""
    site.redirect("/robots.txt", robots)
    site.put("/feed.rss", rss(("Trade", "/press/trade", FRIDAY)), "application/rss+xml")
    site.put("/press/trade", press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE))
    source = source_at(f"{site.url}/feed.rss")
    batch = poll(archive, source)
    assert source.last_error == "" and outcomes(batch) == {"/press/trade": ("created", "")}
