"""Harvesting a ministry's press page: feeds and sitemaps polled from a real web site on 127.0.0.1,
their pages fetched and imported with one outcome each, and the failures a real site has."""

import contextlib
import datetime
import html
import io
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from articles.harvesting import fetching, listings
from articles.harvesting.polling import poll_source
from articles.harvesting.scheduling import claim_due_sources, poll_source_task, queue_polls, take
from articles.importing import batch_again, process_batch
from articles.models import Article, HarvestSource, ImportBatch

from .local_site import LocalSite
from .test_upload_forms import UPLOAD, editor, post  # noqa: F401 (editor is a fixture)

TRADE = (
    "ISLAMABAD - The Foreign Minister received the High Commissioner of Kenya to discuss trade, "
    "tea exports and a business delegation's visit next month."
)
WATER = (
    "LAHORE - Officials of Pakistan and India met to review the sharing of river waters under the "
    "treaty, and agreed to exchange flood data each monsoon."
)
BUDGET = (
    "The Ministry answered questions on its budget for the coming year, which provides for two new "
    "missions and for the training of young diplomats."
)


def press_page(title: str, date: str, *paragraphs: str, canonical: str = "") -> str:
    """A release as the ministry's CMS serves it: navigation, share links, the article, comments, footer."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    text = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title} | MoFA</title>{link}
<meta property="article:published_time" content="{date}"></head><body>
<nav><a href="/">Home</a> <a href="/press">Press releases</a> <a href="/contact">Contact</a></nav>
<div class="share"><a href="#">Share on Facebook</a></div>
<article><h1>{title}</h1><time datetime="{date}">{date}</time>{text}</article>
<div id="comments"><a href="#comments">Read Comments</a><p>No comments yet.</p></div>
<footer>© Ministry of Foreign Affairs. All rights reserved.</footer></body></html>"""


def rss(*items: tuple[str, str, str]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"
        for title, link, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Press releases</title>'
        f"<link>https://mofa.example/press</link>{entries}</channel></rss>"
    )


FRIDAY = "Fri, 27 Sep 2019 10:00:00 GMT"
SATURDAY = "Sat, 28 Sep 2019 09:00:00 GMT"


@pytest.fixture
def site():
    site = LocalSite().start()
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    yield site
    site.stop()


@pytest.fixture
def ministry(site):
    """The ministry's press page: a feed of pages that import, and of pages that fail as real ones do."""
    site.put(
        "/press/kenya-trade",
        press_page(
            "Pakistan and Kenya to deepen trade ties",
            "2019-09-27",
            TRADE,
            canonical=f"{site.url}/press/kenya-trade",
        ),
    )
    site.put("/press/water-talks", press_page("Indus water talks held in Lahore", "2019-09-27", WATER))
    site.put("/press/budget", press_page("Questions on the budget answered", "2019-09-28", BUDGET))
    site.redirect("/press/moved", "/press/2019/moved-here")
    site.put(
        "/press/2019/moved-here",
        press_page("Minister visits Nairobi", "2019-09-26", "NAIROBI - The Minister arrived in Kenya today."),
    )
    site.put("/press/slow", press_page("Slow", "2019-09-27", TRADE), delay=1.5)
    site.put("/press/huge", b"<p>" + b"Kenya " * (1024 * 1024), sized=False)
    site.put("/private/minutes", press_page("Minutes", "2019-09-27", TRADE))
    feed = rss(
        ("Trade", "/press/kenya-trade", FRIDAY),
        ("Water", f"{site.url}/press/water-talks", FRIDAY),
        ("Budget", "/press/budget", SATURDAY),
        ("Moved", "/press/moved", FRIDAY),
        ("Slow", "/press/slow", FRIDAY),
        ("Huge", "/press/huge", FRIDAY),
        ("Minutes", "/private/minutes", FRIDAY),
        ("Gone", "/press/gone", FRIDAY),
    )
    site.put("/press/feed.rss", feed, "application/rss+xml", etag='"v1"')
    return site


def source_at(url: str, name: str = "Ministry of Foreign Affairs of Pakistan", **fields) -> HarvestSource:
    source = HarvestSource.objects.create(name=name, url=url, **fields)
    source.countries.set(fields.pop("countries", None) or ["PK"])
    return source


def poll(archive, source: HarvestSource) -> ImportBatch | None:
    """One poll, as the task worker runs it, with its batch processed and searchable."""
    with archive.committed():
        batch = poll_source(take(source.pk), queue=False)
        if batch is not None:
            batch = process_batch(batch)
    source.refresh_from_db()
    return batch


def outcomes(batch: ImportBatch) -> dict[str, tuple[str, str]]:
    """By page path, the outcome and its reason."""
    return {urlsplit(item.location).path: (item.outcome, item.reason) for item in batch.items.all()}


def test_a_poll_imports_each_listed_page_and_records_why_the_others_failed(archive, ministry, client):
    source = source_at(f"{ministry.url}/press/feed.rss")
    batch = poll(archive, source)
    assert batch.origin == "harvest: Ministry of Foreign Affairs of"  # 40 characters at most
    assert batch.harvest_source == source and batch.status == "done"
    found = outcomes(batch)
    assert {path for path, (outcome, _) in found.items() if outcome == "created"} == {
        "/press/kenya-trade",
        "/press/water-talks",
        "/press/budget",
        "/press/moved",
    }
    assert found["/press/slow"] == ("failed", "The page gave no answer within 0.5 s.")
    assert found["/press/huge"] == (
        "failed",
        "The page is larger than 5,242,880 bytes, the most Pressroom reads.",
    )
    assert found["/private/minutes"] == (
        "failed",
        f"The robots.txt of {ministry.url} disallows fetching this page.",
    )
    assert found["/press/gone"] == ("failed", "The page answered 404 Not Found.")
    assert batch.total == 8 and batch.created_count == 4 and batch.failed_count == 4
    assert ministry.requested("/private/minutes") == []  # robots.txt is respected, not just reported

    trade = Article.objects.get(title="Pakistan and Kenya to deepen trade ties")
    assert trade.identifier == trade.source_url == f"{ministry.url}/press/kenya-trade"
    assert "Read Comments" not in trade.body and "Share on Facebook" not in trade.body
    water = Article.objects.get(title="Indus water talks held in Lahore")
    assert water.identifier == f"{ministry.url}/press/water-talks"  # no canonical URL: the feed's link
    moved = Article.objects.get(title="Minister visits Nairobi")
    assert moved.identifier == f"{ministry.url}/press/moved"  # the redirect was followed

    # Country hints: only for the release that names no country.
    assert dict(
        Article.objects.get(title__startswith="Questions").country_tags.values_list("country", "weight")
    ) == {"PK": 0.0}
    assert set(trade.countries.values_list("code", flat=True)) == {"KE", "PK"}
    assert set(moved.countries.values_list("code", flat=True)) == {"KE"}

    assert source.last_error == "" and source.failures == 0 and source.kind == "RSS 2.0 feed"
    assert source.etag == '"v1"'
    assert source.next_poll > timezone.now() + datetime.timedelta(minutes=59)
    user_agents = {headers["User-Agent"] for _, headers in ministry.requests}
    assert user_agents == {"Pressroom/1.0"}

    stored = batch.files.get(url=f"{ministry.url}/press/kenya-trade")
    assert stored.name == "127.0.0.1-press-kenya-trade.html"
    assert stored.read() == ministry.answers["/press/kenya-trade"].body  # the original, downloadable
    found = client.get("/api/search", {"q": "tea exports"}).json()
    assert [result["title"] for result in found["results"]] == ["Pakistan and Kenya to deepen trade ties"]


def test_an_unchanged_feed_answers_304_and_makes_no_batch(archive, ministry):
    source = source_at(f"{ministry.url}/press/feed.rss")
    poll(archive, source)
    first_polled = source.last_polled
    assert poll(archive, source) is None
    assert ministry.requested("/press/feed.rss")[-1]["If-None-Match"] == '"v1"'
    assert ImportBatch.objects.count() == 1
    assert source.last_polled > first_polled and source.last_error == ""
    assert source.next_poll > source.last_polled + datetime.timedelta(minutes=59)


def test_a_feed_dated_by_last_modified_is_asked_if_modified_since(archive, site):
    site.put("/feed.rss", rss(), "application/rss+xml", last_modified=FRIDAY)
    source = source_at(f"{site.url}/feed.rss")
    poll(archive, source)
    assert source.last_modified == FRIDAY and source.etag == ""
    poll(archive, source)
    assert site.requested("/feed.rss")[-1]["If-Modified-Since"] == FRIDAY
    assert "If-None-Match" not in site.requested("/feed.rss")[-1]
    assert source.last_error == "" and source.kind == "RSS 2.0 feed"


def test_a_second_poll_keeps_what_is_unchanged_and_updates_what_changed(archive, ministry):
    source = source_at(f"{ministry.url}/press/feed.rss")
    poll(archive, source)
    fetched_before = len(ministry.requested("/press/kenya-trade"))
    ministry.put(
        "/press/water-talks",
        press_page(
            "Indus water talks held in Lahore", "2019-09-27", WATER, "Both sides will meet in October."
        ),
    )
    feed = ministry.answers["/press/feed.rss"].body.decode()
    changed = feed.replace(
        f"{ministry.url}/press/water-talks</link><pubDate>{FRIDAY}",
        f"{ministry.url}/press/water-talks</link><pubDate>{SATURDAY}",
    )
    ministry.put("/press/feed.rss", changed, "application/rss+xml", etag='"v2"')

    batch = poll(archive, source)
    found = outcomes(batch)
    assert found["/press/water-talks"][0] == "updated"
    assert (
        found["/press/kenya-trade"][0] == found["/press/budget"][0] == found["/press/moved"][0] == "unchanged"
    )
    assert found["/press/gone"] == ("failed", "The page answered 404 Not Found.")  # tried again
    # A page listed with the same date is read from the copy kept, not fetched again.
    assert len(ministry.requested("/press/kenya-trade")) == fetched_before
    water = Article.objects.get(title="Indus water talks held in Lahore")
    assert water.versions.count() == 2 and "meet in October" in water.body
    assert source.etag == '"v2"'


def test_a_page_saved_and_uploaded_earlier_is_the_same_release_when_harvested(editor, archive, ministry):  # noqa: F811
    post(editor, archive, UPLOAD, "trade.html", ministry.answers["/press/kenya-trade"].body)
    uploaded = Article.objects.get()
    batch = poll(archive, source_at(f"{ministry.url}/press/feed.rss"))
    assert outcomes(batch)["/press/kenya-trade"][0] == "unchanged"
    assert Article.objects.filter(title=uploaded.title).count() == 1


def test_an_atom_feed_and_a_sitemap_index_are_read(archive, site):
    site.put("/a/one", press_page("Talks with Peru in Lima", "2020-03-02", "LIMA - Pakistan and Peru met."))
    site.put("/a/two", press_page("Talks with Chile", "2020-03-03", "SANTIAGO - Pakistan and Chile met."))
    site.put(
        "/atom.xml",
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Press</title>'
        "<id>urn:x</id><updated>2020-03-03T00:00:00Z</updated>"
        '<entry><title>One</title><id>urn:1</id><link href="/a/one"/>'
        "<updated>2020-03-02T00:00:00Z</updated></entry>"
        "</feed>",
        "application/atom+xml",
    )
    site.put(
        "/sitemap-index.xml",
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>/sitemap-2020.xml.gz</loc></sitemap><sitemap><loc>/sitemap-missing.xml</loc></sitemap>"
        "</sitemapindex>",
        "application/xml",
    )
    import gzip

    site.put(
        "/sitemap-2020.xml.gz",
        gzip.compress(
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>/a/one</loc><lastmod>2020-03-02</lastmod></url>"
            b"<url><loc>/a/two</loc><lastmod>2020-03-03</lastmod></url></urlset>"
        ),
        "application/gzip",
    )
    atom = source_at(f"{site.url}/atom.xml", name="Atom")
    assert outcomes(poll(archive, atom)) == {"/a/one": ("created", "")}
    assert atom.kind == "Atom 1.0 feed"
    index = source_at(f"{site.url}/sitemap-index.xml", name="Sitemap")
    batch = poll(archive, index)
    assert {path: outcome for path, (outcome, _) in outcomes(batch).items()} == {
        "/a/one": "unchanged",
        "/a/two": "created",
    }
    assert index.kind == "sitemap index"
    assert f"Its sitemap {site.url}/sitemap-missing.xml was not read: The sitemap answered 404" in batch.note


@pytest.mark.parametrize(
    "answer, error",
    [
        ("fail", "The feed answered 500 Internal Server Error."),
        ("bad xml", "The feed is not RSS, Atom or a sitemap: <unknown>:"),
        ("slow", "The feed gave no answer within 0.5 s."),
    ],
)
def test_a_failing_source_backs_off_and_the_others_are_polled(archive, ministry, answer, error):
    if answer == "fail":
        ministry.fail("/broken.rss")
    elif answer == "bad xml":
        ministry.put(
            "/broken.rss", '<rss version="2.0"><channel><title>Press & releases</chan', "application/rss+xml"
        )
    else:
        ministry.put(
            "/broken.rss", rss(("Budget", "/press/budget", FRIDAY)), "application/rss+xml", delay=1.5
        )
    broken = source_at(f"{ministry.url}/broken.rss", name="Broken", interval=30)
    working = source_at(f"{ministry.url}/press/feed.rss", name="Working")
    with archive.committed(), pytest.raises(CommandError, match="1 of the sources failed: Broken"):
        call_command("harvest_sources", "--now", stdout=io.StringIO())
    broken.refresh_from_db()
    assert broken.last_error.startswith(error) and broken.failures == 1 and broken.failing_since
    assert 59 <= (broken.next_poll - broken.last_polled).total_seconds() / 60 <= 61  # 30 minutes, doubled
    assert working.batches.get().created_count == 4  # the other source was polled all the same

    poll(archive, broken)
    assert broken.failures == 2
    assert 119 <= (broken.next_poll - broken.last_polled).total_seconds() / 60 <= 121  # doubled again
    ministry.put("/broken.rss", rss(("Budget", "/press/budget", FRIDAY)), "application/rss+xml")
    poll(archive, broken)
    assert broken.failures == 0 and broken.failing_since is None and broken.last_error == ""


def test_back_off_is_capped_at_a_day(archive, site):
    site.fail("/broken.rss")
    broken = source_at(f"{site.url}/broken.rss", interval=600, failures=6)
    poll(archive, broken)
    assert broken.next_poll - broken.last_polled == datetime.timedelta(hours=24)


def test_an_address_without_a_dns_record_is_a_clear_error(archive):
    broken = source_at("http://press.no-such-ministry.invalid/feed.rss")
    poll(archive, broken)
    assert broken.last_error == "The address press.no-such-ministry.invalid has no DNS record."


def test_a_defect_of_ours_is_recorded_on_its_source_and_stops_no_other(archive, ministry, monkeypatch):
    real = listings.read_listing

    def defective(data, url):
        if "broken" in url:
            raise TypeError("a defect")
        return real(data, url)

    monkeypatch.setattr("articles.harvesting.polling.read_listing", defective)
    ministry.put("/broken.rss", rss(), "application/rss+xml")
    broken = source_at(f"{ministry.url}/broken.rss", name="Broken")
    working = source_at(f"{ministry.url}/press/feed.rss", name="Working")
    with archive.committed(), pytest.raises(CommandError):
        call_command("harvest_sources", "--now", stdout=io.StringIO())
    broken.refresh_from_db()
    assert broken.last_error == "Pressroom could not poll this source (TypeError); it has been logged."
    assert working.batches.get().created_count == 4


def test_private_addresses_are_refused_unless_a_setting_allows_them(archive, site, settings, editor):  # noqa: F811
    settings.PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES = False
    site.put("/feed.rss", rss(), "application/rss+xml")
    response = editor.post(
        "/admin/articles/harvestsource/add/",
        {"name": "Local", "url": f"{site.url}/feed.rss", "interval": 60, "active": "on"},
    )
    assert "127.0.0.1 is a private or local address" in response.content.decode()
    assert not HarvestSource.objects.exists()

    registered_earlier = source_at(f"{site.url}/feed.rss")
    poll(archive, registered_earlier)
    assert registered_earlier.last_error == (
        "The feed is at 127.0.0.1 (127.0.0.1), a private or local address; "
        "Pressroom fetches only from public addresses."
    )
    assert site.requests == []  # refused before connecting


def test_a_redirect_to_a_private_address_is_refused(archive, site, settings, monkeypatch):
    """127.0.0.1 stands for the public Internet here, and 127.0.0.2 for a private network."""
    settings.PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(fetching, "is_public", lambda address: address == "127.0.0.1")
    port = site.url.rsplit(":", 1)[1]
    site.put("/feed.rss", rss(("Inside", "/press/inside", FRIDAY)), "application/rss+xml")
    site.redirect("/press/inside", f"http://127.0.0.2:{port}/admin/")
    batch = poll(archive, source_at(f"{site.url}/feed.rss"))
    assert outcomes(batch)["/press/inside"] == (
        "failed",
        "The page is at 127.0.0.2 (127.0.0.2), a private or local address; "
        "Pressroom fetches only from public addresses.",
    )


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # a cloud's metadata service
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_public_internet_addresses_are_public(address, public):
    assert fetching.is_public(address) is public


def test_a_server_that_refuses_connections_is_named_so(db):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens there once it is closed
    with fetching.Fetcher() as fetcher, pytest.raises(fetching.FetchFailed, match="could not be reached"):
        fetcher.get(f"http://127.0.0.1:{port}/feed.rss", what="feed", max_bytes=1000)


def test_redirects_are_followed_five_times_at_most(site):
    for hop in range(7):
        site.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    with (
        fetching.Fetcher() as fetcher,
        pytest.raises(fetching.FetchFailed, match="redirects more than 5 times"),
    ):
        fetcher.get(f"{site.url}/hop0", what="page", max_bytes=1000)
    site.redirect("/elsewhere", "ftp://127.0.0.1/file")
    with (
        fetching.Fetcher() as fetcher,
        pytest.raises(fetching.FetchFailed, match=r"redirects to a non-web address \(ftp:\)"),
    ):
        fetcher.get(f"{site.url}/elsewhere", what="page", max_bytes=1000)


@pytest.mark.parametrize(
    "location, scheme",
    [
        ("javascript:alert(document.cookie)", "javascript"),
        ("JavaScript:void(0)", "javascript"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("file:///etc/passwd", "file"),
        ("mailto:press@mofa.example", "mailto"),
    ],
)
def test_a_redirect_to_a_non_web_address_says_so(archive, site, location, scheme):
    site.put("/feed.rss", rss(("Trick", "/press/trick", FRIDAY)), "application/rss+xml")
    site.redirect("/press/trick", location)
    batch = poll(archive, source_at(f"{site.url}/feed.rss"))
    assert outcomes(batch)["/press/trick"] == (
        "failed",
        f"The page redirects to a non-web address ({scheme}:), which Pressroom does not follow.",
    )


def test_a_page_trickled_slower_than_its_deadline_is_cut_off(site):
    site.put("/drip", b"<p>" + b"a" * 40 + b"</p>", trickle=0.05)  # 2.3 s in all, never 0.3 s without a byte
    started = time.monotonic()
    with (
        fetching.Fetcher(timeout=0.3) as fetcher,
        pytest.raises(fetching.FetchFailed, match="The page did not arrive whole within 0.9 s."),
    ):
        fetcher.get(f"{site.url}/drip", what="page", max_bytes=1000)
    assert time.monotonic() - started < 1.8


def test_a_robots_txt_that_cannot_be_read_forbids_the_site_until_it_can(archive, ministry):
    ministry.fail("/robots.txt", 503)
    source = source_at(f"{ministry.url}/press/feed.rss")
    poll(archive, source)
    assert source.last_error == (
        f"The robots.txt of {ministry.url} answered 503; nothing of the site is fetched until it can be read."
    )
    assert ministry.requested("/press/feed.rss") == []
    del ministry.answers["/robots.txt"]  # missing: everything is allowed
    assert poll(archive, source).created_count == 5  # /private/ too, now


def test_an_editor_registers_a_source_and_sees_it_failing(editor, archive, site):  # noqa: F811
    site.fail("/feed.rss")
    response = editor.post(
        "/admin/articles/harvestsource/add/",
        {
            "name": "MoFA Pakistan",
            "url": f"{site.url}/feed.rss",
            "interval": 2,
            "countries": ["PK"],
            "active": "on",
        },
    )
    assert "Ensure this value is greater than or equal to 5" in response.content.decode()
    response = editor.post(
        "/admin/articles/harvestsource/add/",
        {
            "name": "MoFA Pakistan",
            "url": f"{site.url}/feed.rss",
            "interval": 15,
            "countries": ["PK"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    source = HarvestSource.objects.get()
    assert list(source.countries.values_list("code", flat=True)) == ["PK"]
    assert claim_due_sources() == [source.pk]  # a new source is due at once
    source.next_poll = timezone.now()
    source.save()
    with archive.committed():
        editor.post(
            "/admin/articles/harvestsource/",
            {"action": "poll_now", "_selected_action": [source.pk]},
        )
    page = editor.get("/admin/articles/harvestsource/").content.decode()
    assert "failing since" in page and "The feed answered 500 Internal Server Error." in page
    assert (
        "MoFA Pakistan" in editor.get(f"/admin/articles/harvestsource/{source.pk}/change/").content.decode()
    )


def test_poll_now_imports_through_the_task_queue(editor, archive, ministry):  # noqa: F811
    source = source_at(f"{ministry.url}/press/feed.rss")
    with archive.committed():
        response = editor.post(
            "/admin/articles/harvestsource/",
            {"action": "poll_now", "_selected_action": [source.pk]},
            follow=True,
        )
    assert "1 source queued for a poll." in response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.created_count == 4  # tests run tasks at once
    page = editor.get("/admin/articles/harvestsource/").content.decode()
    assert f"/admin/articles/importbatch/{batch.pk}/change/" in page


def test_a_due_source_is_claimed_once_and_polled_by_one_worker_at_a_time(db, site):
    source = source_at(f"{site.url}/feed.rss")
    now = timezone.now()
    assert claim_due_sources(now) == [source.pk]
    assert claim_due_sources(now) == []  # claimed: not queued twice
    assert take(source.pk, now) is not None
    assert take(source.pk, now) is None  # a second worker finds it held
    later = now + HarvestSource.HOLD_LAPSES_AFTER + datetime.timedelta(seconds=1)
    assert claim_due_sources(later) == [source.pk]  # the worker died mid-poll: the claim and hold lapse
    assert take(source.pk, later) is not None
    HarvestSource.objects.filter(pk=source.pk).update(active=False, polling_since=None, next_poll=now)
    assert claim_due_sources(later) == []


def test_the_worker_queues_due_sources(archive, ministry):
    from articles.worker import queue_due_polls

    source_at(f"{ministry.url}/press/feed.rss")
    with archive.committed():
        queue_due_polls()
    assert ImportBatch.objects.get().created_count == 4
    assert queue_polls() == []  # polled: due again in an hour


def test_a_poll_takes_at_most_the_item_cap_new_pages_first(archive, site, settings):
    settings.PRESSROOM_HARVEST_MAX_ITEMS = 2
    for number in range(3):
        site.put(
            f"/p/{number}", press_page(f"Release {number} on Kenya", "2020-01-0" + str(number + 1), TRADE)
        )
    site.put(
        "/feed.rss", rss(*[(str(n), f"/p/{n}", FRIDAY) for n in range(3)]), "application/rss+xml", etag='"a"'
    )
    source = source_at(f"{site.url}/feed.rss")
    batch = poll(archive, source)
    assert batch.total == 2 and "It lists 3 new or changed pages; a poll takes at most 2" in batch.note
    assert source.etag == ""  # so that the next poll reads the feed whole, not a 304
    batch = poll(archive, source)
    assert {path: outcome for path, (outcome, _) in outcomes(batch).items()} == {
        "/p/2": "created",
        "/p/0": "unchanged",
    }


def test_importing_a_harvest_again_keeps_addresses_and_fetch_failures(archive, ministry):
    batch = poll(archive, source_at(f"{ministry.url}/press/feed.rss"))
    with archive.committed():
        again = process_batch(batch_again(batch, user=None))
    assert again.harvest_source_id == batch.harvest_source_id
    assert outcomes(again)["/press/gone"] == ("failed", "The page answered 404 Not Found.")
    assert again.unchanged_count == 4 and again.failed_count == 4


def test_the_command_polls_the_sources_asked_for_and_says_how_each_went(archive, ministry):
    source = source_at(f"{ministry.url}/press/feed.rss")
    out = io.StringIO()
    with archive.committed():
        call_command("harvest_sources", "--source", str(source.pk), stdout=out)
    batch = ImportBatch.objects.get()
    assert f"Ministry of Foreign Affairs of Pakistan: import batch {batch.pk}: 4 created" in out.getvalue()
    assert f"{ministry.url}/press/gone: The page answered 404 Not Found." in out.getvalue()
    out = io.StringIO()
    call_command("harvest_sources", stdout=out)  # nothing is due: polled a moment ago
    assert out.getvalue() == ""
    with pytest.raises(CommandError, match="No harvesting source has the id 999."):
        call_command("harvest_sources", "--source", "999")


@pytest.mark.parametrize("number", [str(2**63), "9" * 40, "0", "-3"])
def test_the_command_says_an_id_no_database_could_hold_names_no_source(db, number):
    """SQLite refuses an integer past 64 bits (OverflowError): it is an id of no source like any other."""
    with pytest.raises(CommandError, match=f"No harvesting source has the id {number}."):
        call_command("harvest_sources", "--source", number, stdout=io.StringIO())


@pytest.mark.parametrize(
    "interruption",
    [SystemExit(143), OperationalError("database is locked")],
    ids=["worker killed", "database locked"],
)
def test_a_batch_a_poll_records_is_processed_even_when_its_worker_stops_right_after(
    archive, ministry, monkeypatch, interruption
):
    """The batch and its processing's place in the queue are one commit's: a worker stopped after
    the poll recorded its batch (or a database too busy to record how the poll went) leaves no
    batch that waits for ever."""

    def stopped(*args):
        raise interruption

    monkeypatch.setattr("articles.harvesting.polling._record_success", stopped)
    source = source_at(f"{ministry.url}/press/feed.rss")
    with archive.committed(), contextlib.suppress(type(interruption)):
        poll_source_task.call(source.pk)
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.created_count == 4


def test_a_poll_that_records_no_batch_queues_nothing(
    archive, ministry, monkeypatch, django_capture_on_commit_callbacks
):
    def refused(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("articles.harvesting.polling.HarvestedPage.objects.update_or_create", refused)
    source = source_at(f"{ministry.url}/press/feed.rss")
    with django_capture_on_commit_callbacks() as queued:
        assert poll_source_task.call(source.pk).startswith("Pressroom could not poll this source")
    assert queued == [] and not ImportBatch.objects.exists()


def test_a_poll_s_fetching_ends_at_its_budget_and_the_next_poll_fetches_the_rest(archive, site, settings):
    """Each page answers within its timeout, but all of them would take 2.4 s: the poll stops at its
    1 s, and the pages it did not fetch are fetched by the next poll, none lost."""
    settings.PRESSROOM_HARVEST_POLL_SECONDS = 1.0
    for number in range(8):
        site.put(
            f"/p/{number}",
            press_page(f"Release {number} on Kenya", f"2020-01-0{number + 1}", TRADE),
            delay=0.3,
        )
    site.put(
        "/feed.rss", rss(*[(str(n), f"/p/{n}", FRIDAY) for n in range(8)]), "application/rss+xml", etag='"a"'
    )
    source = source_at(f"{site.url}/feed.rss")
    started = time.monotonic()
    first = poll_source(take(source.pk), queue=False)
    took = time.monotonic() - started  # fetching, and recording the batch: not its processing
    with archive.committed():
        first = process_batch(first)
    source.refresh_from_db()
    fetched = first.total
    assert took < 1.6 and 1 <= fetched < 8
    assert first.failed_count == 0  # the page cut off at the budget is not a failure of the page's
    assert (
        f"Fetching stopped at the poll's limit of 1 s; {8 - fetched} new or changed pages "
        "wait for the next poll." in first.note
    )
    assert source.etag == ""  # the next poll reads the feed whole, not a 304

    settings.PRESSROOM_HARVEST_POLL_SECONDS = 300
    second = poll(archive, source)
    assert second.created_count == 8 - fetched and second.unchanged_count == fetched
    assert Article.objects.count() == 8 and source.last_error == ""


def test_a_page_trickling_past_the_poll_s_budget_waits_for_the_next_poll(archive, site, settings):
    settings.PRESSROOM_HARVEST_POLL_SECONDS = 0.8
    site.put("/feed.rss", rss(("Drip", "/press/drip", FRIDAY)), "application/rss+xml")
    page = press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE).encode()
    site.put("/press/drip", page, trickle=0.2)  # never 0.5 s without a byte, and never whole in 0.8 s
    source = source_at(f"{site.url}/feed.rss")
    started = time.monotonic()
    assert poll(archive, source) is None  # nothing fetched: no batch, and nothing recorded as failed
    assert time.monotonic() - started < 1.4
    assert source.last_error == "" and source.etag == ""
    assert not source.pages.exists()  # not taken for fetched: the next poll fetches it as new


def register(editor, url: str, name: str):  # noqa: F811 (a client, not the fixture)
    return editor.post(
        "/admin/articles/harvestsource/add/", {"name": name, "url": url, "interval": 60, "active": "on"}
    )


def test_one_feed_is_registered_once_however_its_address_is_spelt(editor):  # noqa: F811
    assert register(editor, "HTTP://Ministry.Example:80/Press/Feed?lang=en#latest", "MoFA").status_code == 302
    assert HarvestSource.objects.get().url == "http://ministry.example/Press/Feed?lang=en"
    for number, spelling in enumerate(
        [
            "http://ministry.example/Press/Feed?lang=en",
            "http://MINISTRY.EXAMPLE/Press/Feed?lang=en#comments",
            "Http://ministry.example:80/Press/Feed?lang=en",
        ]
    ):
        page = html.unescape(register(editor, spelling, f"Again {number}").content.decode())
        assert (
            "This address is registered already, as the source \u201cMoFA\u201d "
            "(http://ministry.example/Press/Feed?lang=en)." in page
        )
    assert HarvestSource.objects.count() == 1
    # A path's case, a query, a scheme and a port that is not the default name other resources.
    for number, other in enumerate(
        [
            "http://ministry.example/press/feed?lang=en",
            "http://ministry.example/Press/Feed?lang=fr",
            "https://ministry.example/Press/Feed?lang=en",
            "http://ministry.example:8080/Press/Feed?lang=en",
        ]
    ):
        assert register(editor, other, f"Other {number}").status_code == 302
    https = HarvestSource.objects.get(name="Other 2")
    response = editor.post(
        f"/admin/articles/harvestsource/{https.pk}/change/",
        {
            "name": "Other 2",
            "url": "HTTPS://ministry.example:443/Press/Feed?lang=en",
            "interval": 30,
            "active": "on",
        },
    )
    assert response.status_code == 302  # its own address is not another's
    https.refresh_from_db()
    assert https.url == "https://ministry.example/Press/Feed?lang=en" and https.interval == 30


def test_a_source_registered_in_another_spelling_before_is_found_a_duplicate(editor):  # noqa: F811
    earlier = HarvestSource.objects.create(name="MoFA", url="https://mofa.example/feed")
    HarvestSource.objects.filter(pk=earlier.pk).update(url="HTTPS://MoFA.example:443/feed#x")  # as kept then
    page = html.unescape(register(editor, "https://mofa.example/feed", "Again").content.decode())
    assert "This address is registered already, as the source \u201cMoFA\u201d" in page
    assert HarvestSource.objects.count() == 1


def test_a_source_made_outside_the_admin_is_kept_in_one_spelling(db):
    source = HarvestSource.objects.create(name="MoFA", url="HTTPS://MoFA.Example:443#top")
    assert source.url == "https://mofa.example/"
    with pytest.raises(IntegrityError):
        HarvestSource.objects.create(name="Again", url="https://MOFA.example/")
