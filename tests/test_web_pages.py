"""Saved web pages (.html) of a ministry's press section: the article, not the page around it."""

import datetime
import html
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits, read_articles
from articles.ingest.web_pages import read_web_page
from articles.models import Article

from .test_formats import zipped
from .test_upload_forms import UPLOAD, editor, post  # noqa: F401 (editor is a fixture)

LIMITS = ImportLimits()
FIRST = (
    "ISLAMABAD - The Foreign Minister met his Kenyan counterpart to discuss trade and water "
    "cooperation between the two countries, and the visit of a business delegation."
)
SECOND = (
    "Both sides agreed to meet again in Nairobi next spring, and to set up a joint working group "
    "on agriculture and tea exports."
)


def cms_page(*, head="", article="", after="") -> bytes:
    """A press release as a ministry's content management system serves it."""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Pakistan and Kenya agree on trade | Ministry of Foreign Affairs</title>{head}</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/press">Press releases</a></li>
<li><a href="/contact">Contact us</a></li></ul></nav>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Tweet this</a></div>
<article><h1>Pakistan and Kenya agree to deepen trade ties</h1>{article}</article>
<div class="comments"><a href="#comments">Read Comments</a></div>
<aside><h3>Related releases</h3><ul><li><a href="/a">Minister visits Egypt</a></li></ul></aside>
{after}<footer>© Ministry of Foreign Affairs 2019. All rights reserved.</footer></body></html>""".encode()


RELEASE_PAGE = cms_page(
    head="""<meta property="og:title" content="Pakistan and Kenya agree to deepen trade ties">
<link rel="canonical" href="HTTPS://MOFA.example.gov/press/2019/pakistan-kenya-trade#top">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Pakistan and Kenya agree to deepen trade ties", "datePublished": "2019-09-27T10:00:00+05:00"}
</script>""",
    article=f'<time datetime="2019-09-27">27 Sep, 2019</time><p>{FIRST}</p><p>{SECOND}</p>',
)


def test_a_release_page_reads_as_its_article_without_the_page_around_it():
    parsed = read_web_page(RELEASE_PAGE, LIMITS)
    assert parsed.title == "Pakistan and Kenya agree to deepen trade ties"
    assert parsed.published == datetime.date(2019, 9, 27)
    assert parsed.paragraphs == (FIRST, SECOND)
    assert parsed.source_url == "https://mofa.example.gov/press/2019/pakistan-kenya-trade"
    for debris in ("Read Comments", "Share on Facebook", "Related releases", "All rights reserved", "Home"):
        assert debris not in parsed.body


def test_a_page_is_named_by_its_canonical_url_unless_that_is_the_site_s_home_page():
    assert (
        read_web_page(RELEASE_PAGE, LIMITS).identifier
        == "https://mofa.example.gov/press/2019/pakistan-kenya-trade"
    )
    home = cms_page(
        head='<link rel="canonical" href="https://mofa.example.gov/">',
        article=f'<time datetime="2019-09-27">27 Sep, 2019</time><p>{FIRST}</p>',
    )
    parsed = read_web_page(home, LIMITS)  # a CMS that names its home page on every page
    assert parsed.identifier == parsed.source_url == ""


def test_a_page_whose_markup_names_no_date_is_dated_by_its_date_line():
    page = cms_page(article=f"<p>27 September 2019</p><p>{FIRST}</p><p>{SECOND}</p>")
    parsed = read_web_page(page, LIMITS)
    assert parsed.published == datetime.date(2019, 9, 27)
    assert parsed.paragraphs == (FIRST, SECOND)
    assert parsed.source_url == ""


@pytest.mark.parametrize(
    "page, reason",
    [
        (b"", "holds no article text"),
        (b"\x00\xff" * 300, "holds no article text"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "names no title"),
        (cms_page(article=f"<p>{FIRST}</p><p>{SECOND}</p>"), "states no publication date"),
    ],
)
def test_a_page_without_a_release_says_why(page, reason):
    with pytest.raises(RejectedArticle, match=reason):
        read_web_page(page, LIMITS)


def test_a_page_too_large_to_be_a_release_is_refused_unread():
    with pytest.raises(RejectedArticle, match="a release's page has at most 5,242,880"):
        read_web_page(b"<p>" + b"a" * (6 * 1024 * 1024) + b"</p>", LIMITS)


def test_a_page_of_too_many_elements_is_refused_in_a_moment():
    page = cms_page(article="<div><span>Kenya</span> and <b>Peru</b> met.</div>" * 20_000)
    started = time.perf_counter()
    with pytest.raises(
        RejectedArticle, match="The page has 120,0.. tags; a release's page has at most 60,000"
    ):
        read_web_page(page, LIMITS)
    assert time.perf_counter() - started < 5  # counted, not parsed: generous for a loaded machine


def test_deeply_nested_markup_is_read_in_bounded_time():
    page = cms_page(article="<div>" * 20_000 + f"<p>27 Sep 2019</p><p>{FIRST}</p>" + "</div>" * 20_000)
    started = time.perf_counter()
    try:
        read_web_page(page, LIMITS)
    except RejectedArticle:
        pass  # found or not, the worker answers
    assert time.perf_counter() - started < 30  # generous: never a hung worker, even on a loaded machine


def test_pages_in_an_archive_are_read_beside_other_files():
    archive = zipped({"press/trade.html": RELEASE_PAGE, "press/empty.htm": b"<html></html>"})
    read = {article.location: article for article in read_articles("press.zip", archive, LIMITS)}
    assert read["member press/trade.html"].parsed.title == "Pakistan and Kenya agree to deepen trade ties"
    assert "holds no article text" in read["member press/empty.htm"].error


def test_markup_in_a_page_is_stored_and_shown_as_text(editor, archive, client):  # noqa: F811
    hostile = '&lt;img src=x onerror="alert(1)"&gt; and &lt;script&gt;alert(2)&lt;/script&gt; were quoted.'
    page = cms_page(
        head='<script>alert("head")</script>',
        article=f"<time datetime='2019-09-27'>27 Sep</time><p>{FIRST}</p><p>{hostile} {SECOND}</p>",
        after="<script>document.write('injected')</script>",
    )
    response = post(editor, archive, UPLOAD, "trade.html", page)
    assert response.status_code == 200
    article = Article.objects.get()
    assert '<img src=x onerror="alert(1)">' in article.body and "injected" not in article.body
    shown = client.get(article.get_absolute_url()).content.decode()
    assert "<img src=x" not in shown and "<script>alert(2)" not in shown
    assert html.escape('<img src=x onerror="alert(1)">') in shown or "&lt;img src=x" in shown


def test_a_press_officer_uploads_a_saved_page_and_its_address_is_kept(editor, archive):  # noqa: F811
    post(editor, archive, UPLOAD, "trade.html", RELEASE_PAGE)
    article = Article.objects.get()
    assert article.source_url == "https://mofa.example.gov/press/2019/pakistan-kenya-trade"
    assert sorted(article.countries.values_list("code", flat=True)) == ["KE", "PK"]


markup = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<div>", "</div>", "<h1>", "</h1>", "<time datetime='2019-09-27'>", "<br>"]
    )
    | st.text(max_size=40),
    max_size=30,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup, st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_any_page_gives_a_release_or_a_reason(pieces, encoding):
    page = "".join(pieces).encode(encoding, errors="replace")
    try:
        parsed = read_web_page(page, LIMITS)
    except RejectedArticle as error:
        assert str(error)
        return
    assert parsed.title.strip() and parsed.paragraphs and all(parsed.paragraphs)
