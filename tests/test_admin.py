"""The press office's admin: edits, hand-chosen countries and uploads reach search."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from articles.models import Article

from .conftest import article_text


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a long password 123")
    client.force_login(user)
    return client


def found(client, q):
    return [r["title"] for r in client.get("/api/search", {"q": q}).json()["results"]]


def change_form(article, *, remove=(), add=(), forget=(), **changes):
    """The article's change form as the admin page posts it: its countries less `remove`, plus
    `add`, and its editors' choices less those of the countries in `forget`."""
    data = {
        "title": article.title,
        "published": article.published.isoformat(),
        "source": article.source,
        "source_url": article.source_url,
        "body": article.body,
    }
    data.update(
        inline_forms(
            "country_tags",
            [
                {
                    "id": tag.pk,
                    "article": article.pk,
                    "country": tag.country_id,
                    **({"DELETE": "on"} if tag.country_id in remove else {}),
                }
                for tag in article.country_tags.all()
            ],
            [{"article": article.pk, "country": code} for code in add],
        )
    )
    data.update(
        inline_forms(
            "country_choices",
            [
                {
                    "id": choice.pk,
                    "article": article.pk,
                    "country": choice.country_id,
                    "included": "on" if choice.included else "",
                    **({"DELETE": "on"} if choice.country_id in forget else {}),
                }
                for choice in article.country_choices.all()
            ],
            [],
        )
    )
    data.update(changes)
    return data


def inline_forms(prefix, existing, new):
    data = {
        f"{prefix}-TOTAL_FORMS": len(existing) + len(new),
        f"{prefix}-INITIAL_FORMS": len(existing),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for number, form in enumerate([*existing, *new]):
        data.update({f"{prefix}-{number}-{name}": value for name, value in form.items()})
    return data


def codes(article):
    return {tag.country_id for tag in Article.objects.get(pk=article.pk).country_tags.all()}


def test_an_admin_edit_is_searchable_at_once(editor, archive):
    article = archive.add("Water talks", "Kenya discussed water.")
    with archive.committed():
        response = editor.post(
            f"/admin/articles/article/{article.pk}/change/",
            change_form(article, body="Kenya discussed irrigation."),
        )
    assert response.status_code == 302
    assert found(editor, "irrigation") == ["Water talks"]
    assert found(editor, "water talks") == ["Water talks"]  # the title still matches
    assert found(editor, '"discussed water"') == []


def test_edited_text_is_tagged_again(editor, archive):
    article = archive.add("Talks", "Kenya discussed water.")
    with archive.committed():
        editor.post(
            f"/admin/articles/article/{article.pk}/change/",
            change_form(article, body="Peru discussed water."),
        )
    assert [c.code for c in Article.objects.get(pk=article.pk).countries.all()] == ["PE"]


WATER_TALKS = (
    "Kenya discussed water with Uganda. The ministers met for two days of talks on the shared basin, "
    "on irrigation and on the dams planned upstream, and agreed to meet again next year."
)


def test_an_editors_countries_are_kept_through_edits_reimports_and_retagging(editor, archive):
    article = archive.add("Water talks", WATER_TALKS, "2019-09-27")
    assert codes(article) == {"KE", "UG"}
    with archive.committed():
        response = editor.post(
            f"/admin/articles/article/{article.pk}/change/", change_form(article, remove=["UG"], add=["TZ"])
        )
    assert response.status_code == 302
    assert codes(article) == {"KE", "TZ"}
    assert editor.get("/api/search", {"country": "TZ"}).json()["count"] == 1
    assert editor.get("/api/search", {"country": "UG"}).json()["count"] == 0

    with archive.committed():
        editor.post(
            f"/admin/articles/article/{article.pk}/change/",
            change_form(
                Article.objects.get(pk=article.pk),
                body=WATER_TALKS.replace("Kenya discussed", "Kenya and Peru discussed"),
            ),
        )
    assert codes(article) == {"KE", "PE", "TZ"}  # extraction still decides the countries nobody chose
    archive.add("Water talks", WATER_TALKS + " A third version.", "2019-09-27")  # a correction: an update
    assert Article.objects.get(pk=article.pk).body == WATER_TALKS + " A third version."
    assert codes(article) == {"KE", "TZ"}
    with archive.committed():
        call_command("retag_countries", verbosity=0)
    assert codes(article) == {"KE", "TZ"}
    assert editor.get("/api/search", {"country": "TZ"}).json()["count"] == 1


def test_deleting_a_choice_lets_extraction_decide_again(editor, archive):
    article = archive.add("Water talks", "Kenya discussed water with Uganda.")
    with archive.committed():
        editor.post(f"/admin/articles/article/{article.pk}/change/", change_form(article, remove=["UG"]))
    assert codes(article) == {"KE"}
    with archive.committed():
        editor.post(
            f"/admin/articles/article/{article.pk}/change/",
            change_form(Article.objects.get(pk=article.pk), forget=["UG"]),
        )
    assert codes(article) == {"KE", "UG"}
    assert editor.get("/api/search", {"country": "UG"}).json()["count"] == 1


def test_the_change_page_shows_the_countries_found_with_their_weights(editor, archive):
    body = "Kenya discussed water with Uganda. " + "More about the talks. " * 30 + "Peru was named once."
    article = archive.add("Kenya water talks", body)
    html = editor.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Countries found in the text" in html
    assert "KE 5" in html  # title 3 + opening sentence 2
    assert "UG 2" in html
    assert "PE 1 (mentioned only)" in html
    assert "Countries the release is about" in html
    listing = editor.get("/admin/articles/article/").content.decode()
    assert "KE 5, UG 2" in listing


def test_the_admin_lists_articles_with_chosen_countries(editor, archive):
    chosen = archive.add("Chosen", "Kenya discussed water with Uganda.")
    archive.add("Found", "Kenya discussed water.")
    with archive.committed():
        editor.post(f"/admin/articles/article/{chosen.pk}/change/", change_form(chosen, remove=["UG"]))
    html = editor.get("/admin/articles/article/", {"chosen": "yes"}).content.decode()
    assert ">Chosen<" in html and ">Found<" not in html


def test_deleting_in_the_admin_withdraws_from_search(editor, archive):
    article = archive.add("Doomed release", "Kenya discussed water.")
    with archive.committed():
        editor.post(f"/admin/articles/article/{article.pk}/delete/", {"note": "Issued in error."})
    assert found(editor, "doomed") == []
    assert (
        Article.objects.withdrawn().get().pk == article.pk
    )  # the release is withdrawn, not gone (test_admin_history.py)


def test_an_edit_that_duplicates_another_release_is_refused(editor, archive):
    archive.add("Twin", "Same body.", "2019-01-01")
    other = archive.add("Other", "Different body.", "2019-01-01")
    response = editor.post(
        f"/admin/articles/article/{other.pk}/change/", change_form(other, title="Twin", body="Same body.")
    )
    assert response.status_code == 200
    assert "An identical release is already in the archive" in response.content.decode()


def test_admin_list_search_and_filters(editor, archive):
    archive.add("Kenyan water", "Kenya discussed water.")
    archive.add("Peruvian mining", "Peru discussed mining.")
    html = editor.get("/admin/articles/article/", {"q": "mining"}).content.decode()
    assert "Peruvian mining" in html and "Kenyan water" not in html
    html = editor.get("/admin/articles/article/", {"countries__code__exact": "KE"}).content.decode()
    assert "Kenyan water" in html and "Peruvian mining" not in html
    assert "Upload a release" in html


def test_uploading_a_release_file(editor, archive):
    upload = SimpleUploadedFile("release.txt", article_text(title="Uploaded release").encode("cp1252"))
    with archive.committed():
        response = editor.post("/admin/articles/article/upload/", {"release": upload}, follow=True)
    assert "Added “Uploaded release”." in response.content.decode()
    article = Article.objects.get(title="Uploaded release")
    assert article.source == "Press release"
    assert {c.code for c in article.countries.all()} == {"PK", "CN"}
    assert found(editor, "uploaded") == ["Uploaded release"]

    again = SimpleUploadedFile("release.txt", article_text(title="Uploaded release").encode("utf-8"))
    response = editor.post("/admin/articles/article/upload/", {"release": again}, follow=True)
    assert "Already in the archive: “Uploaded release”." in response.content.decode()
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a text file"),
        (b"Title only\n", "file ends after the title"),
        (b"A title\n\nnot a date\n\nBody", "Line 3 should be the publication date"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_bad_upload_says_why_and_stores_nothing(editor, db, content, message):
    upload = SimpleUploadedFile("bad.txt", content)
    response = editor.post("/admin/articles/article/upload/", {"release": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Article.objects.count() == 0


def test_an_oversized_upload_is_refused_with_the_limit(editor, db, settings):
    settings.PRESSROOM_MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("big.txt", article_text(body="word " * 100).encode())
    response = editor.post("/admin/articles/article/upload/", {"release": upload})
    assert "the limit is 100 bytes" in response.content.decode()


def test_the_upload_page_needs_a_login(client, db):
    response = client.get("/admin/articles/article/upload/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("added", [["ZZ"], ["KE"], ["UG", "UG"], ["<script>"]])
def test_a_country_that_cannot_be_added_is_refused_with_a_message(editor, archive, added):
    article = archive.add("Water talks", "Kenya discussed water.")
    response = editor.post(f"/admin/articles/article/{article.pk}/change/", change_form(article, add=added))
    assert response.status_code == 200
    assert "Please correct the error" in response.content.decode()
    assert codes(article) == {"KE"}


@pytest.mark.parametrize("year", ["9999", "100000000000000000000", "9223372036854775808", "0", "-1", "abc"])
def test_the_article_lists_year_filter_refuses_impossible_years(editor, archive, year):
    archive.add("Talks in Islamabad", "Pakistan and China met.")
    response = editor.get("/admin/articles/article/", {"published__year": year})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")  # the admin's "invalid filter" page


def test_the_article_form_cleans_control_characters_out_of_every_text_field(editor, archive):
    article = archive.add("Water talks", "Kenya discussed water.")
    dirty = change_form(
        article,
        title="Water\x00 talks\x1b\ufffe",
        source="Press\x07 office",
        body="Kenya\x0b discussed\x00 water.\x9f",
    )
    with archive.committed():
        response = editor.post(f"/admin/articles/article/{article.pk}/change/", dirty)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.source, article.body) == (
        "Water talks",
        "Press office",
        "Kenya\n discussed water.",
    )


@pytest.mark.parametrize("published", ["0019-09-27", "9999-09-27"])
def test_the_article_form_refuses_an_implausible_publication_date(editor, archive, published):
    article = archive.add("Water talks", "Kenya discussed water.")
    response = editor.post(
        f"/admin/articles/article/{article.pk}/change/", change_form(article, published=published)
    )
    assert response.status_code == 200
    assert (
        f"The publication date {published} is outside the dates Pressroom accepts"
        in response.content.decode()
    )
    article.refresh_from_db()
    assert article.published.isoformat() == "2019-09-27"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/article/?countries__code__exact=%00",
        "/admin/articles/importbatch/?origin__exact=a%00b",
        "/admin/articles/importitem/?outcome__exact=%00",
        "/admin/articles/article/?q=%00",
        "/admin/autocomplete/?term=%00&app_label=articles&model_name=articlecountry&field_name=country",
    ],
)
def test_a_nul_in_an_admin_parameter_matches_nothing_on_every_database(editor, archive, path):
    archive.add("Talks in Islamabad", "Pakistan and China met.")
    assert editor.get(path).status_code in (
        200,
        302,
        403,
        404,
    )  # PostgreSQL refuses NUL: this was a 500 there
