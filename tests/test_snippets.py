"""Snippets: passages around the matched words, marked and escaped."""

from articles.search.query import parse_user_query
from articles.search.snippets import SNIPPET_CHARACTERS, snippet


def words(text):
    return parse_user_query(text).wanted_words


FILLER = "The delegation visited schools, ports and hospitals over several days of meetings. " * 6


def test_a_short_body_is_shown_whole_with_every_form_of_the_word_marked():
    assert snippet("Talks went on; the talk was long.", words("talking")) == (
        "<mark>Talks</mark> went on; the <mark>talk</mark> was long."
    )


def test_longer_words_that_only_begin_like_the_query_are_not_marked():
    assert "<mark>" not in snippet("The traders met.", words("trade"))


def test_a_long_body_gives_passages_around_the_matches():
    body = (
        f"{FILLER}Pakistan and Kenya signed a trade accord. "
        f"{FILLER}Energy prices were discussed at length. {FILLER}"
    )
    shown = snippet(body, words("trade energy"))
    assert "<mark>trade</mark>" in shown and "<mark>Energy</mark>" in shown
    assert " … " in shown
    assert all(len(passage) <= SNIPPET_CHARACTERS + 40 for passage in shown.split(" … "))
    assert not shown.startswith("The delegation visited schools, ports")


def test_the_passage_with_more_of_the_query_words_is_preferred():
    body = (
        f"Trade was mentioned once. {FILLER}Trade was mentioned again. "
        f"{FILLER}Trade and energy ministers met. {FILLER}"
    )
    shown = snippet(body, words("trade energy"))
    assert "<mark>Trade</mark> and <mark>energy</mark>" in shown
    assert "again" not in shown


def test_text_around_the_marks_is_escaped():
    shown = snippet("<script>alert(1)</script> budget & more", words("budget"))
    assert shown == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>budget</mark> &amp; more"


def test_without_a_match_the_opening_is_shown():
    assert snippet(FILLER, words("zebra")).startswith("The delegation visited schools")
    assert snippet(FILLER, frozenset()).endswith(" …")


def test_highlighting_hostile_one_word_releases_keeps_none_of_them_in_memory():
    import gc
    import tracemalloc

    snippet("Kenya and Peru.", frozenset({"kenya"}))  # the analyzer, made once
    tracemalloc.start()
    try:
        for letter in "bcdef":
            snippet(
                letter * 1_000_000, frozenset({letter * 2})
            )  # five words of a megabyte, each new, each a likely form
        gc.collect()
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000
