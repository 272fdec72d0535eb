"""Searches over the index's arrays find exactly what Whoosh's own matchers find."""
import pytest
from whoosh import scoring

from articles.models import Article
from articles.search.index import searcher
from articles.search.query import parse_user_query
from articles.search.searching import SearchRequest, search_articles

QUERIES = (
    "trade", "trade energy", "trade OR energy", "minister -pakistan", "pakistan NOT trade",
    '"bilateral trade"', '"memorandum of understanding"', "(climate OR water) agreement",
    "education", "zzzunknownword",
)  # fmt: skip


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
    return archive


def whoosh_ids(query_text):
    with searcher() as held:
        results = held.searcher.search(parse_user_query(query_text).query, limit=None)
        return [int(hit["id"]) for hit in results]


@pytest.mark.parametrize("text", QUERIES)
def test_matches_are_whooshs_own(segmented_archive, text):
    found = search_articles(SearchRequest(parse_user_query(text), per_page=1000))
    assert found.count == len(whoosh_ids(text))
    assert {hit.article.pk for hit in found.hits} == set(whoosh_ids(text))


@pytest.mark.parametrize("text", ("trade", "trade energy", "minister water", "(climate OR water) agreement"))
def test_ranking_is_whooshs_bm25f(segmented_archive, text):
    found = search_articles(SearchRequest(parse_user_query(text), per_page=10))
    with searcher() as held:
        assert isinstance(held.searcher.weighting, scoring.BM25F)
        results = held.searcher.search(parse_user_query(text).query, limit=None)
        scores = {int(hit["id"]): round(hit.score, 3) for hit in results}
    ours = [hit.article.pk for hit in found.hits]
    # The same scores in the same order; ties may fall either way.
    assert [scores[pk] for pk in ours] == sorted(scores.values(), reverse=True)[: len(ours)]


def test_a_phrase_needs_its_words_side_by_side(archive):
    archive.add("Apart", "Trade with Pakistan grew, and bilateral visits went on.")
    archive.add("Together", "Bilateral trade with Pakistan grew.")
    found = search_articles(SearchRequest(parse_user_query('"bilateral trade"')))
    assert [hit.article.title for hit in found.hits] == ["Together"]
