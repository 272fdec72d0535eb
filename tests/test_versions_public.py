"""What readers see of a release's history.

Change notes, version pages, the API's versions, feeds and the sitemap.
"""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles.history import record_version
from articles.services import article_fingerprint, tag_countries

ATOM = "{http://www.w3.org/2005/Atom}"


def edit(archive, article, *, major=True, note="", **fields):
    """An editor's change of the release's fields, kept as its next version, committed."""
    with archive.committed():
        for name, value in fields.items():
            setattr(article, name, value)
        article.fingerprint = article_fingerprint(
            title=article.title, published=article.published, body=article.body
        )
        article.save()
        tag_countries(article)
        return record_version(article, how="admin edit", major=major, note=note)


def at(version, when):
    """Date a version as if it had been written on `when` (tests cannot wait for days)."""
    version.created = when
    version.save(update_fields=["created"])
    return version


@pytest.fixture
def corrected(archive):
    """A release first stored in March, corrected (major) in April, a typo fixed (minor) in May."""
    article = archive.add(
        "Kenya and Peru sign a trade accord", "Kenya and Peru signed a trade accord in Nairobi.", "2020-03-02"
    )
    at(article.versions.get(number=1), datetime.datetime(2020, 3, 2, 9, tzinfo=datetime.UTC))
    edit(
        archive,
        article,
        note="The accord's date was corrected.",
        body="Kenya and Peru signed a trade accord in Nairobi on Monday.",
    )
    at(article.versions.get(number=2), datetime.datetime(2020, 4, 14, 10, tzinfo=datetime.UTC))
    edit(
        archive,
        article,
        major=False,
        note="A typo.",
        body="Kenya and Peru signed a trade accord in Nairobi on Monday .",
    )
    at(article.versions.get(number=3), datetime.datetime(2020, 5, 20, 11, tzinfo=datetime.UTC))
    return article


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_page_lists_major_updates_only_with_links_to_the_versions_they_replaced(client, corrected):
    html = page(client, corrected.get_absolute_url())
    assert 'Published <time datetime="2020-03-02">Monday, 2 March 2020</time>' in html
    assert re.search(r"Last updated <time[^>]*>14 April 2020</time>", html)
    history = html.split('id="history-heading"')[1]
    assert re.search(
        r"Updated on <time[^>]*>14 April 2020</time>: The accord&#x27;s date was corrected\.", history
    )
    assert (
        f'href="/articles/{corrected.pk}/{corrected.slug}/versions/1/">Read the version before this update'
        in history
    )
    assert "A typo" not in html and "20 May 2020" not in html  # a minor change is kept quietly


def test_a_release_never_updated_shows_no_history(client, archive):
    article = archive.add("Kenya budget", "Kenya published its budget.")
    html = page(client, article.get_absolute_url())
    assert "Last updated" not in html and 'id="history"' not in html


def test_a_version_page_shows_that_version_with_a_banner_and_is_not_indexed(client, corrected):
    html = page(client, f"/articles/{corrected.pk}/{corrected.slug}/versions/1/")
    assert "<p>Kenya and Peru signed a trade accord in Nairobi.</p>" in html and "on Monday" not in html
    assert re.search(
        r"This is version 1 of 3, from <time[^>]*>2 March 2020, 09:00</time>;\s*"
        rf'<a href="{corrected.get_absolute_url()}">read the current version</a>',
        html,
    )
    assert f'<link rel="canonical" href="http://testserver{corrected.get_absolute_url()}">' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "<h1>Kenya and Peru sign a trade accord</h1>" in html and "Monday, 2 March 2020" in html
    assert '<a href="/?country=KE">Kenya</a>' in html and '<a href="/?country=PE">Peru</a>' in html


def test_a_version_page_shows_the_title_date_source_and_countries_of_its_own_time(client, archive):
    article = archive.add("Talks in Nairobi", "Kenya hosted the talks.", "2019-01-05", source="Press release")
    edit(
        archive,
        article,
        title="Talks in Lima",
        body="Peru hosted the talks.",
        published=datetime.date(2019, 1, 6),
        source="Statement",
    )
    old = page(client, f"/articles/{article.pk}/{article.slug}/versions/1/")
    assert (
        "<h1>Talks in Nairobi</h1>" in old
        and "Saturday, 5 January 2019" in old
        and "Source: Press release" in old
    )
    assert ">Kenya</a>" in old and ">Peru</a>" not in old
    new = page(client, f"/articles/{article.pk}/{article.slug}/versions/2/")
    assert "<h1>Talks in Lima</h1>" in new and ">Peru</a>" in new and ">Kenya</a>" not in new
    assert "The title, date, text and source were revised." in new
    assert "the text as it reads now" in new


def test_a_version_page_escapes_the_text_it_kept(client, archive):
    article = archive.add("Kenya <b>statement</b>", 'Kenya said <script src="x"></script> & more.')
    html = page(client, article.versions.get().get_absolute_url())
    assert "<b>statement</b>" not in html and "Kenya &lt;b&gt;statement&lt;/b&gt;" in html
    assert (
        '<script src="x">' not in html
        and "&lt;script src=&quot;x&quot;&gt;&lt;/script&gt; &amp; more." in html
    )


def test_a_version_address_with_an_old_slug_redirects_to_the_current_one(client, corrected):
    for wrong in (
        f"/articles/{corrected.pk}/an-old-title/versions/2/",
        f"/articles/0{corrected.pk}/{corrected.slug}/versions/02/",
    ):
        response = client.get(wrong)
        assert (response.status_code, response["Location"]) == (
            301,
            f"/articles/{corrected.pk}/{corrected.slug}/versions/2/",
        )
    response = client.get(f"/articles/{corrected.pk}/old/versions/")
    assert (response.status_code, response["Location"]) == (
        301,
        f"/articles/{corrected.pk}/{corrected.slug}/versions/",
    )


@pytest.mark.parametrize(
    "number", ["0", "4", "99999999999999999999", "9223372036854775808", "2147483648", "-1", "1.5", "x"]
)
def test_a_version_that_does_not_exist_is_a_404_never_a_500(client, corrected, number):
    response = client.get(f"/articles/{corrected.pk}/{corrected.slug}/versions/{number}/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808", "0"])
def test_a_huge_article_number_is_a_404_never_a_500(client, db, pk):
    for path in (
        f"/articles/{pk}/x/",
        f"/articles/{pk}/x/versions/",
        f"/articles/{pk}/x/versions/1/",
        f"/articles/{pk}/x/versions/99999999999999999999/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/api/articles/{pk}").status_code == 404


def test_the_list_of_versions_names_every_one_minor_included(client, corrected):
    html = page(client, f"/articles/{corrected.pk}/{corrected.slug}/versions/")
    listed = re.findall(r'<a href="(/articles/\d+/[\w-]+/versions/\d+/)">Version (\d)</a>', html)
    assert [number for _, number in listed] == ["3", "2", "1"]
    assert "minor change: A typo." in html and "The accord&#x27;s date was corrected." in html
    assert '<meta name="robots" content="noindex">' in html
    for address, _ in listed:
        assert client.get(address).status_code == 200


def test_the_api_gives_the_last_major_change_and_every_version(client, corrected):
    data = client.get(f"/api/articles/{corrected.pk}").json()
    assert data["updated"] == "2020-04-14T10:00:00+00:00"  # the minor change of May is not an update
    base = f"http://testserver/articles/{corrected.pk}/{corrected.slug}/versions"
    assert data["versions"] == [
        {"number": 1, "created": "2020-03-02T09:00:00+00:00", "major": True, "note": "", "url": f"{base}/1/"},
        {
            "number": 2,
            "created": "2020-04-14T10:00:00+00:00",
            "major": True,
            "note": "The accord's date was corrected.",
            "url": f"{base}/2/",
        },
        {
            "number": 3,
            "created": "2020-05-20T11:00:00+00:00",
            "major": False,
            "note": "A typo.",
            "url": f"{base}/3/",
        },
    ]
    assert data["body"].endswith("on Monday .")


def feed_entry(client, q):
    [entry] = ET.fromstring(client.get("/feed/", {"q": q}).content).findall(f"{ATOM}entry")
    return {name: entry.find(f"{ATOM}{name}").text for name in ("updated", "published", "summary")}


def test_a_feed_entry_is_updated_by_a_major_change_and_not_by_a_minor_one(client, archive):
    article = archive.add("Kenya drought relief", "Kenya announced drought relief.", "2021-06-01")
    first = feed_entry(client, "drought")
    assert first["updated"] == article.versions.get().created.isoformat()
    assert first["published"].startswith("2021-06-01T00:00:00") and "Updated on" not in first["summary"]

    edit(archive, article, major=False, body="Kenya announced drought relief .")
    after_minor = feed_entry(client, "drought")
    assert after_minor["updated"] == first["updated"] and "Updated on" not in after_minor["summary"]

    major = edit(
        archive, article, note="The relief <b>doubled</b>.", body="Kenya announced drought relief, doubled."
    )
    after_major = feed_entry(client, "drought")
    assert after_major["updated"] == major.created.isoformat() != first["updated"]
    assert after_major["published"] == first["published"]
    today = timezone.localtime(major.created)
    assert (
        f"<p>Updated on {today.day} {today:%B %Y}: The relief &lt;b&gt;doubled&lt;/b&gt;.</p>"
        in after_major["summary"]
    )


def test_the_feed_reads_the_versions_of_all_its_entries_in_one_query(
    client, archive, django_assert_max_num_queries
):
    for n in range(12):
        edit(
            archive,
            archive.add(f"Kenya release {n}", f"Kenya statement number {n}."),
            body=f"Kenya statement number {n}, revised.",
        )
    with django_assert_max_num_queries(4):  # the articles, their countries, their latest major versions
        client.get("/feed/", {"q": "kenya"})


def sitemap_entries(client):
    xml = ET.fromstring(client.get("/sitemap-articles.xml").content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    return {url.find(f"{ns}loc").text: url.find(f"{ns}lastmod").text for url in xml.findall(f"{ns}url")}


def test_the_sitemap_gives_the_last_major_change_and_only_public_releases(client, corrected, archive):
    from articles.editing import merge, withdraw

    withdrawn = archive.add("Peru statement", "Peru made a statement.")
    duplicate = archive.add("Peru statement again", "Peru made a statement once more.")
    with archive.committed():
        withdraw(withdrawn, note="Sent in error.")
        merge(duplicate, corrected)
    entries = sitemap_entries(client)
    assert entries == {f"http://testserver{corrected.get_absolute_url()}": "2020-04-14"}
    index = client.get("/sitemap.xml").content.decode()
    assert "<lastmod>2020-04-14" in index


def test_the_sitemap_is_one_query_per_page(client, archive, django_assert_max_num_queries):
    for n in range(15):
        archive.add(f"Kenya release {n}", f"Kenya statement number {n}.")
    with django_assert_max_num_queries(2):  # the count, then the page
        assert len(sitemap_entries(client)) == 15


def test_the_api_reads_an_articles_versions_in_a_fixed_number_of_queries(
    client, archive, django_assert_max_num_queries
):
    from articles.history import record_version

    article = archive.add("Water talks", "Kenya and Uganda met in Kampala.")
    for number in range(2, 12):
        article.body = f"Kenya and Uganda met in Kampala, day {number}."
        article.save()
        record_version(article, how="admin edit")
    with django_assert_max_num_queries(8):
        assert len(client.get(f"/api/articles/{article.pk}").json()["versions"]) == 11
