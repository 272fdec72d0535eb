"""Pressroom's query tree is normalized exactly as Whoosh normalized its own query classes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from articles.search.query import parse_user_query
from articles.search.query_tree import And, Everything, Not, Nothing, Or, Phrase, Term, normalized, terms

from .test_matching import whoosh_query

FIELDS = st.sampled_from(["title", "body"])
WORDS = st.sampled_from(["trade", "talks", "energy"])
BOOSTS = st.sampled_from([1.0, 2.0])
LEAVES = st.one_of(
    st.builds(Term, FIELDS, WORDS, BOOSTS),
    st.builds(Phrase, FIELDS, st.lists(WORDS, max_size=3).map(tuple), st.sampled_from([1, 3]), BOOSTS),
    st.just(Everything()),
    st.just(Nothing()),
)
TREES = st.recursive(
    LEAVES,
    lambda parts: st.one_of(
        st.builds(And, st.lists(parts, max_size=4).map(tuple)),
        st.builds(Or, st.lists(parts, max_size=4).map(tuple)),
        st.builds(Not, parts),
    ),
    max_leaves=16,
)


@settings(max_examples=1000, deadline=None)
@given(TREES)
def test_normalized_is_whooshs_normalize(tree):
    assert whoosh_query(normalized(tree)) == whoosh_query(tree).normalize()


def test_nested_groups_are_flattened_and_repeated_words_searched_once():
    title, body = (lambda word: Term("title", word)), (lambda word: Term("body", word))
    assert parse_user_query("(trade (talks)) trade").query == And(
        (Or((title("trade"), body("trade"))), Or((title("talk"), body("talk"))))
    )
    assert parse_user_query("trade OR (trade OR talks)").query == Or(
        (title("trade"), body("trade"), title("talk"), body("talk"))
    )
    assert parse_user_query('"trade talks"').query == Or(
        (Phrase("title", ("trade", "talk")), Phrase("body", ("trade", "talk")))
    )


def test_terms_lists_every_word_looked_up_negated_or_not():
    tree = And((Term("body", "trade"), Not(Phrase("title", ("energy", "talk")))))
    assert list(terms(tree)) == [("body", "trade"), ("title", "energy"), ("title", "talk")]
