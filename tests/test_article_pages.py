def test_article_page_shows_the_release(client, archive):
    article = archive.add(
        "Talks in Bishkek",
        "Pakistan and Russia met in Bishkek.\n\nA second paragraph.",
        "2019-06-13",
        source="Press release",
    )
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Talks in Bishkek</h1>" in html
    assert "Thursday, 13 June 2019" in html
    assert "Source: Press release" in html
    assert "<p>Pakistan and Russia met in Bishkek.</p>" in html and "<p>A second paragraph.</p>" in html
    assert '<a href="/?country=PK">Pakistan</a>' in html
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in html


def test_the_id_makes_the_link_permanent(client, archive):
    article = archive.add("Original title", "Body about Kenya.")
    assert article.get_absolute_url() == f"/articles/{article.pk}/original-title/"
    for old in (f"/articles/{article.pk}/some-old-slug/", f"/articles/{article.pk}/"):
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == article.get_absolute_url()


def test_a_renamed_article_redirects_from_its_old_slug(client, archive):
    article = archive.add("First name", "Body about Kenya.")
    old_url = article.get_absolute_url()
    article.title = "Second name"
    article.save()
    response = client.get(old_url)
    assert (response.status_code, response["Location"]) == (301, f"/articles/{article.pk}/second-name/")


def test_an_unknown_article_gets_a_friendly_404(client, db):
    response = client.get("/articles/424242/anything/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_article_api(client, archive):
    article = archive.add("Api title", "Kenya first.\n\nSecond.", "2020-02-02", source="Press release")
    data = client.get(f"/api/articles/{article.pk}").json()
    first = article.versions.get()
    assert data == {
        "id": article.pk,
        "title": "Api title",
        "published": "2020-02-02",
        "source": "Press release",
        "countries": ["KE"],
        "country_weights": {"KE": 2.0},  # named in the opening sentence
        "body": "Kenya first.\n\nSecond.",
        "url": f"http://testserver/articles/{article.pk}/api-title/",
        "updated": first.created.isoformat(),
        "versions": [
            {
                "number": 1,
                "created": first.created.isoformat(),
                "major": True,
                "note": "",
                "url": f"http://testserver/articles/{article.pk}/api-title/versions/1/",
            }
        ],
        "attachments": [],
    }


def test_article_api_404_is_json(client, db):
    response = client.get("/api/articles/999")
    assert response.status_code == 404
    assert response.json() == {"error": "There is no article 999."}


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


def test_writes_are_refused_on_read_only_pages(client, db):
    assert client.post("/").status_code in (403, 405)
    assert client.post("/api/search").status_code in (403, 405)


def test_an_article_links_its_neighbours_and_related_releases(client, archive):
    older = archive.add(
        "Pakistan and Kenya sign a trade accord", "Trade between Pakistan and Kenya grew.", "2019-01-01"
    )
    middle = archive.add(
        "Kenya trade talks continue", "Kenya and Pakistan discussed trade again.", "2019-02-01"
    )
    newer = archive.add("Climate fund for Peru", "Peru received a climate fund.", "2019-03-01")
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'<a rel="prev" href="{older.get_absolute_url()}">' in html
    assert f'<a rel="next" href="{newer.get_absolute_url()}">' in html
    related = html.split('id="related-heading"')[1]
    assert older.title in related and newer.title not in related and middle.title not in related


def test_related_releases_leave_out_the_words_most_of_the_archive_shares(client, archive, monkeypatch):
    from articles.search import searching

    # Here a word in more than two releases is common (in a real archive: 5 % and 1,000 or more).
    monkeypatch.setattr(searching, "RELATED_COMMON_FLOOR", 2)
    page = archive.add("Kenya trade talks", "Officials met.")
    kenyan = archive.add("Kenya fisheries accord", "Nairobi signed.")
    for title in ("Trade fair opens", "Trade figures rise", "Trade envoy named", "Trade route reopens"):
        archive.add(title, "Officials met.")
    related = client.get(page.get_absolute_url()).content.decode().split('id="related-heading"')[1]
    assert kenyan.title in related and "Trade" not in related


def test_an_article_page_stands_without_the_index(client, archive, search_index):
    article = archive.add("Kenya trade talks", "Kenya and Pakistan discussed trade.")
    (search_index / "current").unlink()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "Related releases" not in response.content.decode()


def test_an_id_written_with_leading_zeros_redirects_to_the_permalink(client, archive):
    article = archive.add("Talks in Islamabad", "Pakistan and China met.")
    response = client.get(f"/articles/000{article.pk}/{article.slug}/")
    assert response.status_code == 301 and response["Location"] == article.get_absolute_url()
    assert client.get(f"/articles/0{article.pk}/")["Location"] == article.get_absolute_url()
