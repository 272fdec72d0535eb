"""A permalink is never taken back.

Withdrawn and removed releases answer 410 with the facts, merged ones 301.
"""

import datetime
import re

import pytest

from articles.editing import merge, reinstate, remove_permanently, withdraw
from articles.models import Article
from articles.permalinks import State, resolve


@pytest.fixture
def article(archive):
    return archive.add(
        "Kenya and Peru sign a <trade> accord",
        "Kenya and Peru signed a trade accord.",
        "2020-03-02",
        source="Press release",
    )


def withdrawn_on(archive, article, note, when=datetime.datetime(2021, 5, 4, 12, tzinfo=datetime.UTC)):
    with archive.committed():
        withdraw(article, note=note)
    Article.objects.filter(pk=article.pk).update(withdrawn=when)
    article.refresh_from_db()
    return article


# What each permalink answers, decided in one place.


def test_resolve_names_every_state(archive, article):
    other = archive.add("Peru statement", "Peru made a statement.")
    duplicate = archive.add("Kenya accord, again", "Kenya and Peru signed an accord, it was said.")
    gone = archive.add("Peru libel", "Peru was libelled.")
    gone_pk = gone.pk
    with archive.committed():
        withdraw(other, note="Sent in error.")
        merge(duplicate, article)
        remove_permanently(gone, reason="A court order.")
    assert resolve(article.pk).state is State.CURRENT
    assert resolve(other.pk).state is State.WITHDRAWN
    merged = resolve(duplicate.pk)
    assert (merged.state, merged.article.pk, merged.survivor.pk) == (State.MERGED, duplicate.pk, article.pk)
    removed = resolve(gone_pk)
    assert (removed.state, removed.article, removed.removal.reason) == (State.REMOVED, None, "A court order.")
    assert resolve(gone_pk + 1000).state is State.UNKNOWN


def test_resolve_follows_a_merge_chain_and_survives_a_loop(archive, article):
    middle = archive.add("Kenya accord, again", "Kenya and Peru signed an accord, it was said.")
    first = archive.add("Kenya accord, once more", "Kenya and Peru signed an accord, they say.")
    # Rows as an older tool or a hand-written fix might leave them: a chain, then a loop.
    Article.objects.filter(pk=first.pk).update(merged_into=middle)
    Article.objects.filter(pk=middle.pk).update(merged_into=article)
    assert resolve(first.pk).survivor.pk == article.pk
    Article.objects.filter(pk=article.pk).update(merged_into=first)
    assert (
        resolve(first.pk).state is State.CURRENT
    )  # shown where asked for rather than redirected round in circles


# Withdrawn: 410 with a page that says when and why, and what was published.


def test_a_withdrawn_release_answers_410_with_its_title_date_and_the_note(client, archive, article):
    withdrawn_on(archive, article, "Sent in error: the accord was <not> signed.\nSee the correction.")
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 410
    assert "<h1>This release was withdrawn</h1>" in html
    assert (
        "“Kenya and Peru sign a &lt;trade&gt; accord”" in html
        and "Monday, 2 March 2020" in html
        and "Source: Press release" in html
    )
    assert re.search(r"Withdrawn on <time datetime=\"2021-05-04T12:00:00\+00:00\">4 May 2021</time>", html)
    assert "Sent in error: the accord was &lt;not&gt; signed.<br>See the correction." in html
    assert f"http://testserver{article.get_absolute_url()}" in html  # it can still be cited
    assert 'action="/"' in html and 'role="search"' in html
    assert "signed a trade accord." not in html  # its text is no longer published


def test_a_withdrawn_release_answers_410_at_any_of_its_addresses(client, archive, article):
    withdrawn_on(archive, article, "Sent in error.")
    for path in (
        f"/articles/{article.pk}/",
        f"/articles/{article.pk}/old-slug/",
        f"/articles/{article.pk}/{article.slug}/versions/",
        f"/articles/{article.pk}/{article.slug}/versions/1/",
    ):
        response = client.get(path)
        assert response.status_code == 410 and "Sent in error." in response.content.decode(), path


def test_the_api_answers_410_for_a_withdrawn_release_with_the_same_facts(client, archive, article):
    withdrawn_on(archive, article, "Sent in error.")
    response = client.get(f"/api/articles/{article.pk}")
    assert response.status_code == 410
    assert response.json() == {
        "error": f"Article {article.pk} was withdrawn.",
        "withdrawn": "2021-05-04T12:00:00+00:00",
        "note": "Sent in error.",
        "title": "Kenya and Peru sign a <trade> accord",
        "published": "2020-03-02",
    }


def test_a_reinstated_release_is_readable_again(client, archive, article):
    withdrawn_on(archive, article, "Sent in error.")
    with archive.committed():
        reinstate(article)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(f"/api/articles/{article.pk}").status_code == 200


def test_a_withdrawn_release_leaves_search_feeds_and_neighbours(client, archive, article):
    before = archive.add("Kenya budget", "Kenya published its budget.", "2020-03-01")
    after = archive.add("Kenya census", "Kenya counted its people.", "2020-03-03")
    withdrawn_on(archive, article, "Sent in error.")
    assert "accord" not in client.get("/api/search", {"q": "kenya"}).content.decode()
    assert "accord" not in client.get("/feed/", {"q": "kenya"}).content.decode()
    assert (
        f'<a rel="next" href="{after.get_absolute_url()}">'
        in client.get(before.get_absolute_url()).content.decode()
    )


# Removed for good: 410 with the date and the reason, and nothing of the release.


def test_a_removed_release_answers_410_with_the_date_and_reason_but_no_title(client, archive, article):
    address, versions = article.get_absolute_url(), f"/articles/{article.pk}/{article.slug}/versions/1/"
    pk = article.pk
    with archive.committed():
        remove_permanently(article, reason="Removed by order of the <High Court>, case 12/2021.")
    response = client.get(address)
    html = response.content.decode()
    assert response.status_code == 410
    assert "<h1>This release was removed</h1>" in html
    assert re.search(
        rf"Release #{pk} was removed from the archive on <time[^>]*>\d+ \w+ \d{{4}}</time>", html
    )
    assert "Removed by order of the &lt;High Court&gt;, case 12/2021." in html
    assert "accord" not in html and "Press release" not in html
    assert client.get(versions).status_code == 410


def test_the_api_answers_410_for_a_removed_release(client, archive, article):
    pk = article.pk
    with archive.committed():
        removal = remove_permanently(article, reason="A court order.")
    response = client.get(f"/api/articles/{pk}")
    assert response.status_code == 410
    assert response.json() == {
        "error": f"Article {pk} was removed.",
        "removed": removal.removed.isoformat(),
        "reason": "A court order.",
    }


def test_an_id_never_used_stays_404(client, db):
    assert client.get("/articles/4242/anything/").status_code == 404
    assert client.get("/api/articles/4242").json() == {"error": "There is no article 4242."}


# Merged: the permalink redirects to the release it became; its versions stay readable.


def test_a_merged_release_redirects_to_the_survivor_page_and_api(client, archive, article):
    duplicate = archive.add("Kenya accord, again", "Kenya and Peru signed an accord, it was said.")
    with archive.committed():
        merge(duplicate, article)
    for path in (duplicate.get_absolute_url(), f"/articles/{duplicate.pk}/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (301, article.get_absolute_url())
    response = client.get(f"/api/articles/{duplicate.pk}")
    assert (response.status_code, response["Location"]) == (301, f"/api/articles/{article.pk}")


def test_a_merged_release_whose_survivor_is_withdrawn_ends_at_the_survivor_410(client, archive, article):
    duplicate = archive.add("Kenya accord, again", "Kenya and Peru signed an accord, it was said.")
    with archive.committed():
        merge(duplicate, article)
    withdrawn_on(archive, article, "The accord fell through.")
    response = client.get(duplicate.get_absolute_url(), follow=True)
    assert response.redirect_chain == [(article.get_absolute_url(), 301)]
    assert response.status_code == 410 and "The accord fell through." in response.content.decode()
    assert client.get(f"/api/articles/{duplicate.pk}", follow=True).status_code == 410


def test_a_merged_release_keeps_its_versions_readable_with_a_note(client, archive, article):
    duplicate = archive.add("Kenya accord, again", "Kenya and Peru signed an accord, it was said.")
    with archive.committed():
        merge(duplicate, article)
    response = client.get(f"/articles/{duplicate.pk}/{duplicate.slug}/versions/1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>Kenya and Peru signed an accord, it was said.</p>" in html
    assert (
        f"This release was merged into #{article.pk}" in html
        and f'<a href="{article.get_absolute_url()}">read #{article.pk}</a>' in html
    )
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in html
    listing = client.get(f"/articles/{duplicate.pk}/{duplicate.slug}/versions/").content.decode()
    assert f"merged into #{article.pk}" in listing
