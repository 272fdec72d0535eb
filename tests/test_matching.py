"""Searches over the index's arrays find exactly what Whoosh's own matchers find."""

from dataclasses import dataclass

import pytest
from whoosh import query as whoosh
from whoosh import scoring

from articles.models import Article
from articles.search.query import UserQuery, parse_user_query
from articles.search.query_tree import And, Everything, Not, Nothing, Or, Phrase, Term
from articles.search.searchers import searcher
from articles.search.searching import SearchRequest, search_articles

QUERIES = (
    "trade",
    "trade energy",
    "trade OR energy",
    "minister -pakistan",
    "pakistan NOT trade",
    '"bilateral trade"',
    '"memorandum of understanding"',
    "(climate OR water) agreement",
    "education",
    "zzzunknownword",
)
# Phrases of three words and more, whose pairs a release may hold apart ("bilateral trade ...
# trade talks"), phrases with a slop, and phrases of the title alone.
LONG_PHRASES = (
    '"bilateral trade talks"',
    '"bilateral trade had grown"',
    '"joint working group"',
    '"early warning systems"',
    '"memorandum of understanding on trade"',
    '"agree to expand trade cooperation"',
    '"held in a cordial and constructive atmosphere"',
    '"set up a joint working group" trade',
    '"trade talks" OR "bilateral trade talks"',
    '"bilateral trade talks" -energy',
    '"bilateral grown"~4',
    'title:"trade talks"',
    'title:"bilateral trade talks"',
)


@pytest.fixture
def segmented_archive(archive):
    """Generated releases in several segments, some deleted and some edited since."""
    from django.core.management import call_command

    for seed in (3, 4, 5):
        with archive.committed():
            call_command("generate_articles", "25", seed=seed, verbosity=0)
    with archive.committed():
        for article in Article.objects.order_by("pk")[:75:7]:
            article.delete()
    with archive.committed():
        for article in Article.objects.order_by("-pk")[:10]:
            article.title = f"{article.title} (bilateral trade)"
            article.save()
    # Traps: each has every pair of "bilateral trade talks" and its words, never in one run.
    archive.add("Trade talks resume", "Bilateral trade grew. Officials then held trade talks.")
    archive.add("A minister praises bilateral", "Trade talks ended early; bilateral ties are good for trade.")
    archive.add("Bilateral trade, and trade talks", "Nothing more.")
    archive.add("Talks on trade", "Trade talks went on.")  # the title's words apart, the body's together
    archive.add("The real thing", "Bilateral trade talks opened in Nairobi; a joint working group met.")
    with archive.committed():
        Article.objects.filter(title="The real thing").update(title="The real thing, again")
        for article in Article.objects.filter(title="The real thing, again"):
            article.save()  # an edit: the old document deleted in its segment, a new one in another
    return archive


def whoosh_query(node):
    """Pressroom's query tree as Whoosh's query classes, for Whoosh's own searcher to run."""
    match node:
        case Term(field, text, boost):
            return whoosh.Term(field, text, boost=boost)
        case Phrase(field, words, slop, boost):
            return whoosh.Phrase(field, list(words), slop=slop, boost=boost)
        case And(parts):
            return whoosh.And([whoosh_query(part) for part in parts])
        case Or(parts):
            return whoosh.Or([whoosh_query(part) for part in parts])
        case Not(part):
            return whoosh.Not(whoosh_query(part))
        case Everything():
            return whoosh.Every()
        case Nothing():
            return whoosh.NullQuery
    raise TypeError(node)


def whoosh_ids(query_text):
    with searcher() as held:
        results = held.searcher.search(whoosh_query(parse_user_query(query_text).query), limit=None)
        return [int(hit["id"]) for hit in results]


# Every query against one archive: building it is what takes the time, not the queries. Each
# test reports every query that differs, not just the first.
def test_matches_are_whooshs_own(segmented_archive):
    differing = {}
    for text in QUERIES + LONG_PHRASES:
        found = search_articles(SearchRequest(parse_user_query(text), per_page=1000))
        ours, whooshs = {hit.article.pk for hit in found.hits}, set(whoosh_ids(text))
        if found.count != len(whooshs) or ours != whooshs:
            differing[text] = {"count": found.count, "ours": sorted(ours), "whoosh's": sorted(whooshs)}
    assert differing == {}


def test_ranking_is_whooshs_bm25f(segmented_archive):
    differing = {}
    for text in ("trade", "trade energy", "minister water", "(climate OR water) agreement") + LONG_PHRASES:
        found = search_articles(SearchRequest(parse_user_query(text), per_page=10))
        with searcher() as held:
            assert isinstance(held.searcher.weighting, scoring.BM25F)
            results = held.searcher.search(whoosh_query(parse_user_query(text).query), limit=None)
            scores = {int(hit["id"]): round(hit.score, 3) for hit in results}
        ours = [scores[hit.article.pk] for hit in found.hits]
        # The same scores in the same order; ties may fall either way.
        if ours != sorted(scores.values(), reverse=True)[: len(ours)]:
            differing[text] = ours
    assert differing == {}


def test_a_phrase_needs_its_words_side_by_side(archive):
    archive.add("Apart", "Trade with Pakistan grew, and bilateral visits went on.")
    archive.add("Together", "Bilateral trade with Pakistan grew.")
    found = search_articles(SearchRequest(parse_user_query('"bilateral trade"')))
    assert [hit.article.title for hit in found.hits] == ["Together"]


def test_a_long_phrase_needs_its_words_in_one_run(archive):
    archive.add("Apart", "Bilateral trade grew. Officials then held trade talks.")
    archive.add("Together", "Bilateral trade talks opened.")
    for text in ('"bilateral trade talks"', '"bilateral trade talks opened"'):
        found = search_articles(SearchRequest(parse_user_query(text)))
        assert [hit.article.title for hit in found.hits] == ["Together"]


def test_a_long_phrase_whose_first_pair_is_only_astride_the_title_finds_nothing_and_fails_not(archive):
    # "trade trade" is a pair only across the title's end: the pairs let the release through,
    # and its positions in the body hold no run of even two of the words.
    archive.add("Talks on trade", "Trade grew. Nothing else.")
    for text in ('"trade trade trade"', '"trade trade grew"'):
        found = search_articles(SearchRequest(parse_user_query(text)))
        assert found.count == 0 and found.hits == []


@dataclass(frozen=True)
class Prefix:
    """A kind of query the engine was never taught."""

    field: str
    text: str


def test_a_node_the_engine_does_not_know_is_an_error_not_a_guess(archive):
    archive.add("Trade talks", "Trade talks opened.")
    query = UserQuery(And((Term("body", "trade"), Prefix("title", "tra"))), "trade tra*")
    with pytest.raises(NotImplementedError, match="Prefix"):
        search_articles(SearchRequest(query))
