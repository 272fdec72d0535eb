"""Suggestions while typing, and Pressroom as a browser's search engine (OpenSearch)."""

import xml.etree.ElementTree as ET

import pytest


@pytest.fixture
def articles(archive):
    archive.add("Ministers of Kenya and Peru meet", "Talks on trade.", "2019-01-01")
    archive.add("Minister visits Nairobi", "Kenya hosted the visit.", "2019-02-01")
    archive.add("Energy ministry opens", "Peru opened it.", "2019-03-01")


def suggest(client, text):
    response = client.get("/api/suggest", {"q": text})
    assert response.status_code == 200 and response["Content-Type"] == "application/x-suggestions+json"
    typed, suggestions = response.json()
    assert typed == text
    return suggestions


def test_the_last_word_is_completed_from_titles(client, articles):
    assert set(suggest(client, "minis")) == {
        "Ministers of Kenya and Peru meet",
        "Minister visits Nairobi",
        "Energy ministry opens",
    }
    assert suggest(client, "kenya minis") == [
        "Ministers of Kenya and Peru meet",
        "Minister visits Nairobi",
    ]  # Kenya in its title first
    assert suggest(client, "zzz") == [] and suggest(client, "") == []


def test_countries_are_suggested_as_filters(client, articles):
    assert suggest(client, "ken")[0] == "country:kenya"
    assert "country:peru" in suggest(client, "Pe")


@pytest.mark.parametrize("odd", ['"', "(((", "AND OR", "\x00", "😀", "a" * 500, "title:", "country:"])
def test_odd_input_gets_an_answer(client, articles, odd):
    response = client.get("/api/suggest", {"q": odd})
    assert response.status_code == 200 and isinstance(response.json()[1], list)


def test_browsers_can_add_pressroom_as_a_search_engine(client, articles):
    page = client.get("/").content.decode()
    assert (
        '<link rel="search" type="application/opensearchdescription+xml" '
        'title="Pressroom" href="/opensearch.xml">' in page
    )
    response = client.get("/opensearch.xml")
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    urls = {
        url.get("type"): url.get("template")
        for url in ET.fromstring(response.content).iter("{http://a9.com/-/spec/opensearch/1.1/}Url")
    }
    assert urls["text/html"] == "http://testserver/?q={searchTerms}"
    assert urls["application/x-suggestions+json"] == "http://testserver/api/suggest?q={searchTerms}"


def test_country_suggestions_ignore_accents(client, db):
    assert "country:turkiye" in client.get("/api/suggest", {"q": "turk"}).json()[1]
