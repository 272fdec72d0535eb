"""Hostile input in every field a reader or an uploaded file controls: never a 500, never unescaped output."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article

from .conftest import article_text

HOSTILE = (
    "' OR 1=1 --",
    '"; DROP TABLE articles_article; --',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "../../../../etc/passwd",
    "..\\..\\boot.ini",
    "%0d%0aSet-Cookie: evil=1",
    "\r\nX-Injected: yes",
    "{{ 7|add:7 }}",
    "{% debug %}",
    "${7*7}",
    "title:* OR body:*",
    "*?~^",
    "((((",
    "AND OR NOT",
    "\x00\x01",
    "😀‮backwards",
    "a" * 5000,
    "%s%n%x",
)
ACTIVE_MARKUP = ("<script>alert", "<img src=x", "onerror=alert(1)>")


def assert_inert(html: str):
    for markup in ACTIVE_MARKUP:
        assert markup not in html


@pytest.fixture
def hostile_article(archive):
    return archive.add(
        "<script>alert(1)</script> Kenya talks",
        'Trade "><img src=x onerror=alert(1)> in Nairobi {{ 7|add:7 }}.',
    )


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["q", "country", "from", "to", "sort", "page"])
def test_search_parameters(client, hostile_article, field, value):
    params = {field: value, "q": "kenya"} if field != "q" else {"q": value}
    page = client.get("/", params)
    assert page.status_code == 200
    assert_inert(page.content.decode())
    api = client.get("/api/search", params)
    assert api.status_code == 200 and api["Content-Type"] == "application/json"
    for result in api.json()["results"]:  # titles are data in JSON; snippets are HTML
        assert_inert(result["snippet"])
    for response in (page, api):
        assert "evil" not in str(response.cookies) and "X-Injected" not in response.headers


@pytest.mark.parametrize("value", HOSTILE)
def test_article_addresses(client, hostile_article, value):
    from urllib.parse import quote

    response = client.get(f"/articles/{hostile_article.pk}/{quote(value, safe='')}/")
    assert response.status_code in (200, 301, 404)
    assert "\n" not in response.get("Location", "") and "\r" not in response.get("Location", "")
    assert client.get(f"/articles/{quote(value, safe='')}/").status_code == 404


def test_hostile_text_is_escaped_in_pages_results_and_highlights(client, hostile_article):
    page = client.get(hostile_article.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "{{ 7|add:7 }}" in page and ">14<" not in page
    assert_inert(page)
    for query in ("kenya", "trade nairobi", "script"):
        assert_inert(client.get("/", {"q": query}).content.decode())
        for result in client.get("/api/search", {"q": query}).json()["results"]:
            assert_inert(result["snippet"])


def test_hostile_uploads(admin_client, archive):
    text = article_text(
        title="<script>alert(1)</script> Uploaded", body='"><img src=x onerror=alert(1)> Kenya.-PR'
    )
    with archive.committed():
        named = SimpleUploadedFile("../../../etc/cron.d/evil.txt", text.encode())
        response = admin_client.post("/admin/articles/article/upload/", {"release": named}, follow=True)
    assert response.status_code == 200
    article = Article.objects.get(title__startswith="<script>")
    assert_inert(admin_client.get(article.get_absolute_url()).content.decode())
    assert_inert(admin_client.get("/admin/articles/article/").content.decode())
    assert_inert(admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode())
    stored = article.import_batch.files.get()
    assert ".." not in stored.upload.name and not stored.upload.name.startswith("/")
    for name, content in [
        ("x.txt", b"\x00\x01\x02binary"),
        ("{{ 7|add:7 }}.csv", b"title,date,body\n<b>,2019-01-01,<script>\n"),
    ]:
        with archive.committed():
            response = admin_client.post(
                "/admin/articles/article/import/", {"files": [SimpleUploadedFile(name, content)]}, follow=True
            )
        assert response.status_code == 200
        assert_inert(response.content.decode())


@pytest.mark.parametrize("value", HOSTILE)
def test_admin_article_fields(admin_client, hostile_article, archive, value):
    data = {
        "title": value[:500] or "x",
        "published": "2019-09-27",
        "source": value[:100],
        "body": f"Kenya. {value}",
        "countries": ["KE"],
    }
    with archive.committed():
        response = admin_client.post(
            f"/admin/articles/article/{hostile_article.pk}/change/", data, follow=True
        )
    assert response.status_code == 200
    assert_inert(response.content.decode())
    hostile_article.refresh_from_db()
    for path in (hostile_article.get_absolute_url(), "/?q=kenya", "/feed/?q=kenya"):
        page = admin_client.get(path, follow=True)
        assert page.status_code == 200
        assert_inert(page.content.decode())


def test_too_many_parameters_are_refused_with_the_reason(client, db):
    query = "&".join(f"a{n}=1" for n in range(1500))
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400 and "more than 1,000 parameters" in response.json()["error"]
    page = client.get(f"/?{query}")
    assert page.status_code == 400 and "more than 1,000 parameters" in page.content.decode()


def test_too_many_files_are_refused_with_the_limit(client, django_user_model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(
        django_user_model.objects.create_superuser("boss", "b@example.org", "a long password 123")
    )
    files = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(1001)]
    response = client.post("/admin/articles/article/import/", {"files": files})
    assert (
        response.status_code == 400 and "At most 1,000 files can be sent at once" in response.content.decode()
    )
