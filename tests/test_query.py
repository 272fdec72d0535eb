"""The reader's query language: what it offers, and that nothing else reaches the index."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.search.query import MAX_QUERY_TERMS, parse_user_query
from articles.search.query_tree import Everything, terms

from .test_search import search, titles

# Every operator and special character of Whoosh's own query parser, and a few of other engines'.
PARSER_SYNTAX = [
    "pakistan REQUIRE REQUIRE REQUIRE",
    "REQUIRE",
    "a ANDMAYBE b",
    "ANDNOT pakistan",
    "pakistan ANDNOT",
    "pakistan~2",
    "pak~",
    "pakistan^3",
    "^",
    "pak*",
    "*",
    "*:*",
    "?akistan",
    "[a TO z]",
    "{a TO z}",
    "[2019 TO]",
    "published:20190927",
    "id:1",
    "body:trade",
    "countries:PK",
    "title:",
    "title:(",
    "TITLE:trade",
    "<trade>",
    "'single quoted'",
    "trade OR",
    "OR trade",
    "NOT",
    "NOT NOT trade",
    "AND AND",
    "((((((((((trade",
    "trade))))",
    "-",
    "--",
    "+",
    "-+-trade",
    "a - b",
    '"',
    '""',
    '"trade',
    'trade"',
    "\\",
    "\\\\trade",
    "trade:",
    ":",
    "((a OR b) NOT (c AND -d))",
    "NEAR(a b)",
    "a NEAR/3 b",
    "ALL:trade",
    "field:{a TO b}^2~3*",
]


@pytest.mark.parametrize("q", PARSER_SYNTAX)
@pytest.mark.parametrize("endpoint", ["/", "/api/search", "/feed/", "/export.csv", "/api/suggest"])
def test_the_underlying_parsers_syntax_is_plain_text_on_every_endpoint(client, releases, endpoint, q):
    assert client.get(endpoint, {"q": q}).status_code == 200


def test_an_operator_of_the_underlying_parser_is_searched_as_a_word(client, archive):
    archive.add("Visas now require an interview", "The embassy said visas require an interview from May.")
    archive.add("Trade talks resume", "Talks resumed.")
    assert titles(search(client, q="visas REQUIRE interview")) == ["Visas now require an interview"]
    assert search(client, q="trade ANDNOT talks")["count"] == 0  # a word, not "trade but not talks"


@pytest.fixture
def hyphenated(archive):
    return {
        "joined": archive.add(
            "Counter-terrorism cooperation agreed", "The ministers agreed on counter-terrorism cooperation."
        ),
        "apart": archive.add(
            "Counter offers and terrorism", "A counter offer was made. Terrorism was condemned."
        ),
        "city": archive.add("President visits Nur-Sultan", "The president arrived in Nur-Sultan for talks."),
        "other": archive.add("Talks in Astana", "Terrorism and trade were discussed."),
    }


def test_a_hyphenated_word_is_a_phrase_not_a_negation(client, hyphenated):
    assert titles(search(client, q="counter-terrorism")) == ["Counter-terrorism cooperation agreed"]
    assert titles(search(client, q="Nur-Sultan")) == ["President visits Nur-Sultan"]
    assert titles(search(client, q="title:counter-terrorism")) == ["Counter-terrorism cooperation agreed"]


def test_a_suggested_title_with_a_hyphen_finds_its_release(client, hyphenated):
    suggestions = client.get("/api/suggest", {"q": "President visits Nur"}).json()[1]
    assert "President visits Nur-Sultan" in suggestions
    assert titles(search(client, q="President visits Nur-Sultan")) == ["President visits Nur-Sultan"]


def test_only_a_leading_minus_negates(client, hyphenated):
    assert "Counter-terrorism cooperation agreed" not in titles(search(client, q="terrorism -counter"))
    assert sorted(titles(search(client, q="terrorism -cooperation"))) == [
        "Counter offers and terrorism",
        "Talks in Astana",
    ]
    assert titles(search(client, q='terrorism -"counter offer" -(nur sultan) -cooperation')) == [
        "Talks in Astana"
    ]


def test_a_query_of_only_negations_lists_everything_else(client, hyphenated):
    assert sorted(titles(search(client, q="-terrorism"))) == ["President visits Nur-Sultan"]


def test_accents_are_folded_in_the_index_and_the_query(client, archive):
    archive.add("Türkiye and Côte d'Ivoire sign accord", "Ankara welcomed the São Tomé delegation.")
    archive.add("Turkiye hosts summit", "Leaders met in Istanbul.")
    both = sorted(["Türkiye and Côte d'Ivoire sign accord", "Turkiye hosts summit"])
    assert sorted(titles(search(client, q="Turkiye"))) == both
    assert sorted(titles(search(client, q="Türkiye"))) == both
    assert titles(search(client, q='"cote d\'ivoire"')) == ["Türkiye and Côte d'Ivoire sign accord"]
    assert titles(search(client, q="sao tome")) == ["Türkiye and Côte d'Ivoire sign accord"]


def test_an_accented_match_is_highlighted(client, archive):
    archive.add("Accord", "The delegation of Türkiye arrived.")
    assert "<mark>Türkiye</mark>" in search(client, q="turkiye")["results"][0]["snippet"]


def test_or_binds_its_neighbours_and_groups_nest(client, archive):
    archive.add("Kenya trade", "Kenya trade talks.")
    archive.add("Peru trade", "Peru trade talks.")
    archive.add("Kenya energy", "Kenya energy talks.")
    assert sorted(titles(search(client, q="trade kenya OR peru"))) == ["Kenya trade", "Peru trade"]
    assert sorted(titles(search(client, q="(trade OR energy) -(peru OR (energy NOT kenya))"))) == [
        "Kenya energy",
        "Kenya trade",
    ]


def test_words_past_the_limit_are_dropped_with_a_note():
    parsed = parse_user_query(" ".join(f"word{n}" for n in range(MAX_QUERY_TERMS + 10)))
    assert len(list(terms(parsed.query))) == MAX_QUERY_TERMS * 2  # each word in title and body
    assert any(f"first {MAX_QUERY_TERMS} words" in note for note in parsed.notes)


def test_deep_brackets_are_plain_text():
    parsed = parse_user_query("(" * 200 + "trade" + ")" * 200)
    assert [text for _, text in terms(parsed.query)] == ["trade", "trade"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            list("ab -+\"():*~^[]{}\\/?!.,'")
            + ["AND ", "OR ", "NOT ", "title:", "country:", "REQUIRE ", "é", "\x00", "\ufffe"]
        ),
        max_size=60,
    )
)
def test_any_text_gives_a_query_or_a_note_in_bounded_terms_and_time(pieces):
    text = "".join(pieces)
    started = time.perf_counter()
    parsed = parse_user_query(text)
    assert time.perf_counter() - started < 5  # bounded: no backtracking blow-up, even on a loaded machine
    assert isinstance(parsed.query, Everything) or len(list(terms(parsed.query))) <= 2 * MAX_QUERY_TERMS
    assert not any(character in parsed.text for character in "\x00\ufffe")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_unicode_text_parses(text):
    parse_user_query(text)


@pytest.fixture
def releases(archive):
    archive.add(
        "Pakistan and China expand trade", "Trade talks between Pakistan and China concluded in Beijing."
    )
    archive.add("Energy ministers meet in Moscow", "Russia and India discussed energy.", "2018-01-15")


def test_decomposed_and_fullwidth_letters_are_the_letters_they_show(client, archive):
    archive.add("Tu\u0308rkiye hosts ｔｒａｄｅ talks", "Leaders met.")
    archive.add("Türkiye hosts a summit", "Leaders met.")
    assert len(titles(search(client, q="Türkiye"))) == 2
    assert len(titles(search(client, q="Tu\u0308rkiye"))) == 2
    assert titles(search(client, q="trade")) == ["Tu\u0308rkiye hosts ｔｒａｄｅ talks"]
