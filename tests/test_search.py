"""Search through /api/search and the HTML page, against a real index on disk."""

import threading
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def articles(archive):
    return {
        "lavrov": archive.add(
            "Imran briefs Lavrov on regional situation",
            "Foreign Minister Sergei Lavrov of the Russian Federation met the Prime Minister of Pakistan.\n\n"
            "They discussed the Afghan peace process with Afghanistan's neighbours.",
            "2019-09-27",
        ),
        "trade": archive.add(
            "Pakistan and China expand trade",
            (
                "Trade talks between Pakistan and China concluded in Beijing. "
                "The peace of the region was mentioned."
            ),
            "2019-06-01",
        ),
        "energy": archive.add(
            "Energy ministers meet in Moscow",
            "Russia and India discussed energy. Lavrov was not present.",
            "2018-01-15",
        ),
        "oldest": archive.add(
            "Climate pledge renewed", "Kenya renewed its climate pledge in Nairobi.", "2012-03-04"
        ),
    }


def search(client, **params):
    response = client.get("/api/search", params)
    assert response.status_code == 200, response.content
    return response.json()


def titles(data):
    return [result["title"] for result in data["results"]]


def test_words_are_anded(client, articles):
    assert titles(search(client, q="trade Beijing")) == ["Pakistan and China expand trade"]
    assert search(client, q="trade Nairobi")["count"] == 0


def test_stemming_finds_other_forms(client, articles):
    assert "Pakistan and China expand trade" in titles(search(client, q="talk"))


def test_quoted_phrases_match_in_order(client, articles):
    assert titles(search(client, q='"peace process"')) == ["Imran briefs Lavrov on regional situation"]
    assert search(client, q='"process peace"')["count"] == 0


def test_title_matches_rank_above_body_matches(client, articles):
    assert titles(search(client, q="lavrov"))[0] == "Imran briefs Lavrov on regional situation"


def test_an_empty_query_lists_newest_first(client, articles):
    data = search(client)
    assert data["count"] == 4
    assert [r["published"] for r in data["results"]] == [
        "2019-09-27",
        "2019-06-01",
        "2018-01-15",
        "2012-03-04",
    ]


def test_sort_orders(client, articles):
    assert [r["published"] for r in search(client, q="pakistan", sort="oldest")["results"]] == [
        "2019-06-01",
        "2019-09-27",
    ]
    assert [r["published"] for r in search(client, q="pakistan", sort="newest")["results"]] == [
        "2019-09-27",
        "2019-06-01",
    ]


def test_several_countries_mean_any_of_them(client, articles):
    assert set(titles(search(client, country=["KE", "CN"]))) == {
        "Climate pledge renewed",
        "Pakistan and China expand trade",
    }


def test_dates_are_inclusive(client, articles):
    data = search(client, **{"from": "2019-06-01", "to": "2019-09-27"})
    assert set(titles(data)) == {
        "Imran briefs Lavrov on regional situation",
        "Pakistan and China expand trade",
    }


def test_result_fields(client, articles):
    result = search(client, q="climate")["results"][0]
    article = articles["oldest"]
    assert result == {
        "id": article.pk,
        "title": "Climate pledge renewed",
        "url": f"http://testserver/articles/{article.pk}/climate-pledge-renewed/",
        "published": "2012-03-04",
        "countries": ["KE"],
        "snippet": "Kenya renewed its <mark>climate</mark> pledge in Nairobi.",
    }


def test_country_facets_count_the_query_and_ignore_the_chosen_countries(client, articles):
    data = search(client, q="pakistan", country="CN")
    assert data["count"] == 1
    facets = {f["code"]: f["count"] for f in data["facets"]["countries"]}
    assert facets == {"PK": 2, "CN": 1, "RU": 1, "AF": 1}
    assert {"code": "PK", "name": "Pakistan", "count": 2} in data["facets"]["countries"]


def test_snippets_escape_the_text_around_highlights(client, archive):
    archive.add("Script test", "Visitors typed <script>alert(1)</script> next to the word budget.")
    snippet = search(client, q="budget")["results"][0]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>budget</mark>" in snippet


def test_pagination_is_stable(client, archive, settings):
    settings.PRESSROOM_RESULTS_PER_PAGE = 2
    for day in range(1, 6):
        archive.add(f"Release {day}", f"Body number {day}.", f"2020-01-0{day}")
    first, second, third = (search(client, page=n) for n in (1, 2, 3))
    assert (first["pages"], first["count"]) == (3, 5)
    assert titles(first) + titles(second) + titles(third) == [f"Release {d}" for d in (5, 4, 3, 2, 1)]


@pytest.mark.parametrize(
    "params, note",
    [
        ({"country": "ZZ"}, "Unknown country code ignored: ZZ."),
        ({"from": "last week"}, "The from date 'last week' was not understood"),
        ({"to": "2019-13-45"}, "The to date '2019-13-45' was not understood"),
        ({"page": "abc"}, "The page number was not valid"),
        ({"sort": "random"}, "Unknown sort order"),
        ({"q": '"unbalanced'}, "An unmatched quotation mark was ignored."),
        ({"q": "x " * 400}, "shortened"),
        ({"from": "2020-01-01", "to": "2019-01-01"}, "were swapped"),
    ],
)
def test_bad_parameters_are_ignored_with_a_note(client, articles, params, note):
    data = search(client, **params)
    assert any(note in n for n in data["notes"]), data["notes"]


@pytest.mark.parametrize(
    "q",
    [
        "AND OR NOT",
        "((((",
        ")",
        "\x00",
        "😀 مرحبا",
        "title:x*",
        "*",
        "-",
        '"',
        "a" * 10_000,
        "NOT",
        "pakistan AND",
    ],
)
def test_odd_queries_never_fail(client, articles, q):
    assert client.get("/api/search", {"q": q}).status_code == 200
    assert client.get("/", {"q": q}).status_code == 200


def test_hard_queries_answer_within_two_seconds(client, archive):
    import time

    from django.core.management import call_command

    with archive.committed():
        call_command("generate_articles", "300", seed=4, verbosity=0)
    hard = [
        " OR ".join(["trade", "energy", "climate", "health", "water", "food"] * 5),
        " ".join(f'"{word} cooperation"' for word in ("trade", "energy", "health", "water")),
        "internationalisatoin bilaterel cooperaton miniters delegaton scholarshpis",
        "x" * 10_000,
        "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 20,
        "NOT " * 50 + "trade",
    ]
    for q in hard:
        for path in ("/", "/api/search", "/api/suggest", "/feed/"):
            started = time.perf_counter()
            assert client.get(path, {"q": q}).status_code == 200
            # Never a hung worker: a hard query is answered at once; the bound leaves room for a
            # loaded machine and still catches one that keeps a worker busy.
            assert time.perf_counter() - started < 10.0, (path, q[:60])


def test_a_page_past_the_end_shows_the_last_page(client, articles):
    data = search(client, page=500)
    assert data["page"] == data["pages"] == 1
    assert len(data["results"]) == 4


def test_lowercase_country_codes_are_accepted(client, articles):
    assert titles(search(client, country="ke")) == ["Climate pledge renewed"]


def test_search_page_shows_results_facets_and_highlights(client, articles):
    response = client.get("/", {"q": "trade", "country": "PK"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 release" in html
    assert f'href="{articles["trade"].get_absolute_url()}"' in html
    assert "<mark>Trade</mark>" in html
    # A chosen country's facet link removes it; another's adds it, keeping the query.
    assert 'href="?q=trade"' in html
    assert 'href="?q=trade&amp;country=PK&amp;country=CN"' in html


def test_search_page_explains_an_empty_result(client, articles):
    html = client.get("/", {"q": "zebra"}).content.decode()
    assert "No releases match this search." in html


def test_search_answers_503_without_an_index(client, articles, search_index):
    (search_index / "current").unlink()
    from articles.search.searchers import forget_open_index

    forget_open_index()
    assert client.get("/").status_code == 503
    response = client.get("/api/search")
    assert response.status_code == 503
    assert "unavailable" in response.json()["error"]
    assert client.get(articles["trade"].get_absolute_url()).status_code == 200


def test_counts_are_exact_for_every_combination_of_filters(client, archive, settings):
    from django.core.management import call_command

    settings.PRESSROOM_RESULTS_PER_PAGE = 7
    with archive.committed():
        call_command("generate_articles", "60", seed=11, verbosity=0)
    for params in (
        {"q": "trade"},
        {"q": "trade", "country": ["BE", "NG", "PK"]},
        {"country": "PK"},
        {"q": "energy", "from": "2015-01-01", "to": "2019-12-31", "country": "IN"},
    ):
        first = search(client, **params)
        every_hit = [
            r["id"]
            for page in range(1, first["pages"] + 1)
            for r in search(client, **params, page=page)["results"]
        ]
        assert len(every_hit) == len(set(every_hit)) == first["count"], params
        if "country" in params:
            chosen = set(params["country"]) if isinstance(params["country"], list) else {params["country"]}
            facets = {f["code"]: f["count"] for f in first["facets"]["countries"]}
            assert first["count"] <= sum(facets.get(code, 0) for code in chosen)


def test_a_minus_word_leaves_releases_out(client, articles):
    assert titles(search(client, q="pakistan -beijing")) == ["Imran briefs Lavrov on regional situation"]


def test_the_page_says_what_it_ignored(client, articles):
    html = client.get("/", {"country": ["ZZ", "KE"], "from": "soon"}).content.decode()
    assert "Unknown country code ignored: ZZ." in html
    assert "The from date &#x27;soon&#x27; was not understood" in html
    assert "1 release" in html and "in Kenya" in html


def test_the_page_escapes_what_the_reader_typed(client, articles):
    html = client.get("/", {"q": '<script>alert("x")</script>'}).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_a_repeated_search_is_answered_from_the_cache_until_the_index_changes(
    client, archive, django_assert_num_queries
):
    archive.add("Cached release", "Kenya.")
    first = client.get("/", {"q": "kenya"}).content
    with django_assert_num_queries(0):
        assert client.get("/", {"q": "kenya"}).content == first
    archive.add("Second Kenyan release", "Kenya again.")
    assert "2 releases" in client.get("/", {"q": "kenya"}).content.decode()


def test_dates_may_be_a_year_or_a_month(client, articles):
    assert set(titles(search(client, **{"from": "2019", "to": "2019"}))) == {
        "Imran briefs Lavrov on regional situation",
        "Pakistan and China expand trade",
    }
    assert titles(search(client, **{"from": "2019-06", "to": "2019-06"})) == [
        "Pakistan and China expand trade"
    ]
    assert titles(search(client, **{"from": "2018-01", "to": "2018"})) == ["Energy ministers meet in Moscow"]


def test_matches_are_counted_per_year_and_per_month_within_a_year(client, articles):
    years = search(client)["facets"]["dates"]
    assert years == [
        {"period": str(year), "from": str(year), "to": str(year), "count": n}
        for year, n in [
            (2012, 1),
            (2013, 0),
            (2014, 0),
            (2015, 0),
            (2016, 0),
            (2017, 0),
            (2018, 1),
            (2019, 2),
        ]
    ]
    months = search(client, **{"from": "2019", "to": "2019"})["facets"]["dates"]
    assert {m["period"]: m["count"] for m in months if m["count"]} == {"2019-06": 1, "2019-09": 1}
    assert len(months) == 12


def test_the_chart_links_each_bar_to_its_period(client, articles):
    html = client.get("/", {"q": "pakistan", "country": "PK"}).content.decode()
    assert 'aria-label="2019: 2 releases"' in html
    assert "?q=pakistan&amp;country=PK&amp;from=2019&amp;to=2019" in html
    narrowed = client.get(
        "/", {"q": "pakistan", "country": "PK", "from": "2019", "to": "2019"}
    ).content.decode()
    assert 'aria-label="Sep 2019: 1 release"' in narrowed and "per month" in narrowed


def test_or_and_not_in_the_query(client, articles):
    assert set(titles(search(client, q="kenya OR beijing"))) == {
        "Climate pledge renewed",
        "Pakistan and China expand trade",
    }
    assert titles(search(client, q="pakistan NOT beijing")) == ["Imran briefs Lavrov on regional situation"]


def test_title_words_only_with_title_colon(client, articles):
    assert search(client, q="lavrov")["count"] == 2  # in a title and in a body
    assert titles(search(client, q="title:lavrov")) == ["Imran briefs Lavrov on regional situation"]
    assert (
        search(client, q="fingerprint:abc digest:abc id:1")["count"] == 0
    )  # no other field names: plain words


def test_a_country_can_be_named_in_the_query(client, articles):
    data = search(client, q="country:kenya climate")
    assert titles(data) == ["Climate pledge renewed"]
    both = search(client, q='country:"russian federation" country:IN')
    assert set(titles(both)) == {
        "Energy ministers meet in Moscow",
        "Imran briefs Lavrov on regional situation",
    }
    page = client.get("/", {"q": "country:atlantis trade"}).content.decode()
    assert "There is no country called &#x27;atlantis&#x27;" in page
    assert 'value="trade"' in page and 'name="country" value="KE"' not in page


def test_did_you_mean_corrects_misspelt_words_from_the_index(client, archive):
    archive.add("Education ministers meet", "Education and scholarships were discussed in Bishkek.")
    data = search(client, q="educaton scholarships")
    assert data["count"] == 0 and data["corrected_query"] == "education scholarships"
    page = client.get("/", {"q": "educaton", "country": "KG"}).content.decode()
    assert 'Did you mean <a href="?q=education&amp;country=KG">education</a>?' in page
    assert search(client, q="education")["corrected_query"] is None  # it found enough


def test_did_you_mean_leaves_place_names_alone(client, archive):
    archive.add("Education ministers meet", "Education was discussed.")
    for place in ("Bishkek", "Kyrgyzstan", "Jammu", "educaton OR Jammu"):
        corrected = search(client, q=place)["corrected_query"]
        assert corrected is None or "Jammu" in corrected, place


def test_a_worker_that_read_ahead_corrects_its_first_search_without_reading_the_gazetteer(client, archive):
    """A fresh worker's first search that finds nothing used to wait a second or more for the place names."""
    from articles.ingest.gazetteer import gazetteer
    from articles.search import read_ahead
    from articles.search.spelling import place_words

    archive.add("Education ministers meet", "Education was discussed.")
    gazetteer.cache_clear()
    place_words.cache_clear()
    read_ahead()
    read = gazetteer.cache_info().misses
    assert search(client, q="educaton")["corrected_query"] == "education"
    assert gazetteer.cache_info().misses == read == 1


def test_the_arrays_a_worker_read_ahead_are_those_its_first_search_uses(client, archive):
    from articles.search import read_ahead
    from articles.search.arrays import _versions
    from articles.search.searchers import searcher

    archive.add("Education ministers meet", "Education was discussed.")
    read = []
    thread = threading.Thread(target=lambda: (read_ahead(), read.append(_versions._latest)))
    thread.start()
    thread.join()
    with searcher() as held:  # this thread's own searcher, made now
        assert held.arrays().version is read[0] is not None


def test_several_countries_can_mean_all_of_them(client, articles):
    assert (
        search(client, country=["RU", "IN"])["count"] == 2
    )  # any: Lavrov (RU) and the energy talks (RU, IN)
    assert titles(search(client, country=["RU", "IN"], countries="all")) == [
        "Energy ministers meet in Moscow"
    ]
    page = client.get("/", {"country": ["RU", "IN"]}).content.decode()
    assert (
        '<a href="?country=RU&amp;country=IN&amp;countries=all">Show only those naming all of them</a>'
        in page
    )
    narrowed = client.get("/", {"country": ["RU", "IN"], "countries": "all"}).content.decode()
    assert "1 release naming all of Russian Federation and India" in narrowed
    assert '<a href="?country=RU&amp;country=IN">Show those naming any of them</a>' in narrowed
    assert search(client, country=["RU", "IN"], countries="bogus")["count"] == 2


def test_with_a_country_chosen_releases_about_it_rank_above_those_naming_it(client, archive):
    about = archive.add(
        "Pakistan opens relief corridor",
        "Pakistan opened a relief corridor on Monday. Pakistan's ministers thanked donors. "
        + "Convoys moved. " * 20,
        "2019-01-01",
    )
    mentions = archive.add(
        "Agencies plan relief flights",
        "Agencies met to plan relief flights and relief stores. "
        + "Stores were counted. " * 20
        + "Pakistan sent an observer. Pakistan will report.",
        "2019-02-01",
    )
    assert titles(search(client, q="relief")) == [mentions.title, about.title]  # more about relief
    assert titles(search(client, q="relief", country="PK")) == [about.title, mentions.title]
    # Without words, relevance to the country alone; the newest first when asked.
    assert titles(search(client, country="PK")) == [about.title, mentions.title]
    assert titles(search(client, country="PK", sort="newest")) == [mentions.title, about.title]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0020"},
        {"to": "0099"},
        {"from": "0500", "to": "0600"},
        {"from": "0020", "to": "0020"},
        {"from": "9999"},
        {"to": "9999-12-31"},
        {"from": "0000"},
        {"from": "1899-12-31"},
    ],
)
def test_dates_outside_the_archives_years_are_ignored_with_a_note(client, articles, params):
    for endpoint in ("/", "/feed/", "/export.csv"):
        assert client.get(endpoint, params).status_code == 200
    data = search(client, **params)
    assert data["count"] == 4
    assert any("outside the archive's dates" in note or "not understood" in note for note in data["notes"]), (
        data["notes"]
    )


def test_the_chart_never_draws_more_than_a_hundred_bars(client, archive):
    # Rows dated before ingest refused such dates: the chart groups them rather than drawing
    # thousands of bars.
    for year in (19, 1000, 1901, 1955, 2019, 9999):
        archive.add(f"Release of {year}", "Kenya talks.", f"{year:04d}-06-01")
    page = client.get("/").content.decode()
    assert page.count('<rect class="bar"') <= 100 and "per century" in page
    assert 'aria-label="0000–0099: 1 release"' in page and "from=0000&amp;to=0099" in page
    periods = search(client)["facets"]["dates"]
    assert len(periods) <= 100 and periods[0] == {
        "period": "0000-0099",
        "from": "0000",
        "to": "0099",
        "count": 1,
    }
    narrowed = search(client, **{"from": "1901", "to": "2019"})["facets"]["dates"]
    assert [p["period"] for p in narrowed if p["count"]] == [
        "1900-1909",
        "1950-1959",
        "2010-2019",
    ]  # 119 years: decades


def test_a_century_of_releases_is_drawn_per_decade(client, archive):
    for year in (1901, 1955, 2019):
        archive.add(f"Release of {year}", "Kenya talks.", f"{year}-06-01")
    page = client.get("/").content.decode()
    assert (
        "per decade" in page and 'aria-label="1950s: 1 release"' in page and "from=1950&amp;to=1959" in page
    )


def test_countries_are_found_by_any_of_their_names_with_or_without_accents(client, archive):
    archive.add("Ankara talks", "Türkiye and Kenya discussed trade.")
    archive.add("Abidjan talks", "Côte d'Ivoire and Kenya discussed cocoa.")
    for name in ("turkey", "Türkiye", "turkiye", "TR", "tur"):
        assert titles(search(client, q=f"country:{name}")) == ["Ankara talks"], name
        assert titles(search(client, country=name)) == ["Ankara talks"], name
    for name in ('"cote d\'ivoire"', "cote-divoire", '"Ivory Coast"', "CI"):
        data = search(client, q=f"country:{name}")
        assert titles(data) == ["Abidjan talks"], (name, data["notes"])


def test_hundreds_of_repeated_countries_are_capped_with_a_note(client, articles):
    params = [
        ("country", code) for code in ["PK"] * 330 + ["RU", "IN", "KE"] * 10 + [f"X{n}" for n in range(40)]
    ]
    query = "&".join(f"{key}={value}" for key, value in params)
    response = client.get(f"/?{query}")
    assert response.status_code == 200 and len(response.content) < 60_000
    data = client.get(f"/api/search?{query}").json()
    assert data["count"] == 4  # Pakistan, Russia, India and Kenya were searched
    assert any("Only the first 20 countries were searched" in note for note in data["notes"])


_PARAMETER = st.sampled_from(["q", "country", "countries", "from", "to", "sort", "page", "fingerprint", ""])
_VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["0020", "9999", "2019-02-30", "-1", "1e9", "all", "PK", "turkey", "newest", '"', "REQUIRE", "\ufffe"]
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.lists(st.tuples(_PARAMETER, _VALUE), max_size=6),
    endpoint=st.sampled_from(["/", "/api/search", "/feed/"]),
)
def test_any_query_string_is_answered_never_with_a_server_error(client, articles, params, endpoint):
    response = client.get(endpoint + "?" + urlencode(params))
    assert response.status_code in (200, 400)


def test_swapped_years_and_months_mean_the_whole_of_both(client, articles):
    assert (
        search(client, **{"from": "2019", "to": "2018"})["count"]
        == search(client, **{"from": "2018", "to": "2019"})["count"]
        == 3
    )
    swapped = search(client, **{"from": "2019-09", "to": "2019-06"})
    assert (
        sorted(titles(swapped)) == sorted(titles(search(client, **{"from": "2019-06", "to": "2019-09"})))
        and swapped["count"] == 2
    )
