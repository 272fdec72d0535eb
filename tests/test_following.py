"""Following and sharing: Atom feeds of searches, the sitemap, CSV exports."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def articles(archive):
    return [
        archive.add(
            "Peace process talks in Islamabad",
            "Pakistan and Russia discussed the peace process.",
            "2019-09-27",
        ),
        archive.add('=HYPERLINK("http://evil") trade', "Pakistan <b>trade</b> grew.", "2018-03-01"),
        archive.add("Kenya climate pledge", "Kenya renewed its climate pledge.", "2017-01-01"),
    ]


def test_every_search_has_an_atom_feed_with_the_same_filters(client, articles):
    page = client.get(
        "/", {"q": '"peace process"', "country": ["PK", "RU"], "sort": "oldest"}
    ).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Pressroom: Pakistan or Russian Federation, &quot;peace process&quot;"' in page
    )
    response = client.get("/feed/", {"q": '"peace process"', "country": ["PK", "RU"]})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.find(f"{ATOM}title").text == 'Pressroom: Pakistan or Russian Federation, "peace process"'
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Peace process talks in Islamabad"
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver{articles[0].get_absolute_url()}"
    assert entry.find(f"{ATOM}updated").text and "<mark>peace</mark>" in entry.find(f"{ATOM}summary").text


def test_a_feed_lists_the_newest_first_and_escapes_text(client, articles):
    feed = ET.fromstring(client.get("/feed/", {"q": "pakistan", "sort": "relevance"}).content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Peace process talks in Islamabad",
        '=HYPERLINK("http://evil") trade',
    ]
    assert "&lt;b&gt;trade&lt;/b&gt;" in entries[1].find(f"{ATOM}summary").text


def test_the_sitemap_lists_every_permalink(client, articles):
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-articles.xml" in index
    sitemap = client.get("/sitemap-articles.xml").content.decode()
    for article in articles:
        assert f"<loc>http://testserver{article.get_absolute_url()}</loc>" in sitemap
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_results_export_as_csv_that_a_spreadsheet_cannot_execute(client, articles):
    response = client.get("/export.csv", {"q": "pakistan", "sort": "newest"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["X-Total-Count"] == "2"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["id", "title", "published", "countries", "source", "url"]
    assert [row[1] for row in rows[1:]] == [
        "Peace process talks in Islamabad",
        '\'=HYPERLINK("http://evil") trade',
    ]
    assert rows[1][3] == "PK RU" and rows[1][5] == f"http://testserver{articles[0].get_absolute_url()}"


def test_the_export_is_limited(client, articles, settings):
    settings.PRESSROOM_EXPORT_LIMIT = 2
    response = client.get("/export.csv")
    assert response["X-Total-Count"] == "3"
    assert len(list(csv.reader(io.StringIO(response.content.decode())))) == 3


def test_feeds_and_exports_answer_503_without_an_index(client, articles, search_index):
    (search_index / "current").unlink()
    assert client.get("/feed/").status_code == 503
    assert client.get("/export.csv").status_code == 503


def test_the_api_is_documented_with_working_examples(client, articles):
    page = client.get("/api/").content.decode()
    for endpoint in (
        "/api/search",
        "/api/articles/",
        "/api/suggest",
        "/feed/",
        "/export.csv",
        "/sitemap.xml",
        "/healthz",
    ):
        assert endpoint in page
    example = page.split('Try it: <a href="')[1].split('"')[0].replace("&amp;", "&")
    assert client.get(example).json()["count"] == 1
    assert '<a href="/api/">the API</a>' in client.get("/").content.decode()


def test_a_release_with_control_characters_makes_a_well_formed_feed(client, archive):
    # Written before ingest cleaned text (or by any path that did not): the feed must still be XML.
    archive.add(
        "Talks\x1b in\x01 Islamabad\ufffe", "Pakistan\x0b and China\x1f met."
    )  # (PostgreSQL refuses NUL itself)
    response = client.get("/feed/", {"q": "islamabad"})
    assert response.status_code == 200
    [entry] = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Talks\ufffd in\ufffd Islamabad\ufffd"


@pytest.mark.parametrize("q", ["\ufffe", "\uffff", "a\x00b", "\x1b[31m", "\ud7ff\ue000"])
def test_any_query_makes_a_well_formed_feed(client, articles, q):
    response = client.get("/feed/", {"q": q})
    assert response.status_code == 200
    ET.fromstring(response.content)


def test_the_feeds_own_link_keeps_its_search(client, articles):
    feed = ET.fromstring(
        client.get("/feed/", {"q": "pakistan", "country": ["PK", "RU"], "page": "2"}).content
    )
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://testserver/feed/?q=pakistan&country=PK&country=RU"
    assert links["alternate"] == "http://testserver/?q=pakistan&country=PK&country=RU"
