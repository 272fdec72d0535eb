"""The index follows the database's change log: entries survive failures and replay harmlessly."""

import datetime

from articles.ingest.parsing import ParsedArticle
from articles.models import Article, Country
from articles.search import apply_pending_updates, rebuild_index, schedule_index_update, this_node_standing
from articles.search.generations import index_root
from articles.search.searchers import forget_open_index
from articles.services import article_import


def count(client, **params):
    return client.get("/api/search", params).json()["count"]


def test_an_update_that_cannot_be_written_stays_owed(archive, client, search_index):
    current = search_index / "current"
    target = current.readlink()
    current.unlink()  # the index vanishes: the write after commit cannot happen
    forget_open_index()
    archive.add("Owed release", "Kenya and Peru.")
    current.symlink_to(target)  # the index is back; the next writer applies what it lacks
    assert this_node_standing().unapplied > 0  # its saving and its countries
    assert apply_pending_updates() == 1
    assert this_node_standing().unapplied == 0
    assert count(client, q="owed") == 1


def test_replaying_an_update_is_harmless(archive, client):
    article = archive.add("Replayed", "Kenya and Peru.")
    for _ in range(3):
        schedule_index_update(article.pk)
        apply_pending_updates()
    assert count(client, q="replayed") == 1


def test_many_new_articles_are_added_once_and_a_replayed_step_adds_none_twice(archive, client, monkeypatch):
    from whoosh.searching import Searcher

    from articles.search import sync

    def imported_together(title: str, how_many: int) -> None:
        with archive.committed():  # one commit: its entries are applied in one step
            for number in range(how_many):
                article_import(
                    parsed=ParsedArticle(f"{title} {number}", datetime.date(2020, 5, 1), ("Kenya and Peru.",))
                )

    imported_together("Harbour survey", sync.MANY_ARTICLES + 20)
    assert count(client, q="harbour") == sync.MANY_ARTICLES + 20
    asked = []
    real_find = Searcher._find_unique
    monkeypatch.setattr(
        Searcher, "_find_unique", lambda self, uniques: asked.append(uniques) or real_find(self, uniques)
    )
    imported_together("Lighthouse survey", sync.MANY_ARTICLES + 5)
    assert count(client, q="lighthouse") == sync.MANY_ARTICLES + 5
    assert asked == [], "articles above every indexed id were looked up in each segment"
    # The same entries applied again (a writer killed after its commit, before its cursor moved).
    lighthouses = list(Article.objects.filter(title__startswith="Lighthouse").values_list("pk", flat=True))
    with archive.committed():
        for pk in lighthouses:
            schedule_index_update(pk)
    assert len(asked) == len(lighthouses)  # now in the index: each looked up, and replaced
    assert count(client, q="lighthouse") == sync.MANY_ARTICLES + 5
    assert count(client, q="harbour") == sync.MANY_ARTICLES + 20


def test_country_changes_reach_the_index(archive, client):
    article = archive.add("Quiet release", "No place is named here.")
    assert count(client, country="NO") == 0
    with archive.committed():
        article.countries.add(Country.objects.get(code="NO"))
    assert count(client, country="NO") == 1
    with archive.committed():
        article.countries.clear()
    assert count(client, country="NO") == 0


def test_deleting_an_article_removes_its_document(archive, client):
    article = archive.add("Short-lived", "Kenya.")
    with archive.committed():
        article.delete()
    assert count(client, q="short") == 0


def test_a_rebuild_swaps_in_a_new_generation_and_removes_the_old(archive, client, search_index):
    archive.add("Before the rebuild", "Kenya.")
    old = (search_index / "current").readlink()
    with client_search_in_flight(client):
        rebuild_index()
    new = (search_index / "current").readlink()
    assert new != old
    assert [p.name for p in index_root().glob("generation-*")] == [new.name]
    assert count(client, q="rebuild") == 1


def test_updates_that_arrive_during_a_rebuild_are_applied_after_it(archive, client):
    archive.add("Before", "Kenya.")
    Article.objects.all().delete()  # a deletion the index has not applied yet ...
    assert this_node_standing().unapplied > 0  # its saving and its countries
    rebuild_index()  # ... is settled by the rebuild, which reads the database as it is
    assert this_node_standing().unapplied == 0
    assert count(client) == 0


class client_search_in_flight:
    """Keeps a searcher open across a rebuild, as a busy worker would."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        assert self.client.get("/api/search").status_code == 200

    def __exit__(self, *exc):
        assert self.client.get("/api/search").status_code == 200


def test_a_change_in_a_rolled_back_savepoint_does_not_hide_a_later_one(archive, client):
    from django.db import transaction

    with archive.committed():
        try:
            with transaction.atomic():
                archive_article = Article.objects.create(
                    title="Rolled back", body="x", published="2020-01-01", fingerprint="a"
                )
                assert archive_article.pk
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        Article.objects.create(
            title="Kept after rollback", body="Kenya.", published="2020-01-01", fingerprint="b"
        )
    assert count(client, q="kept") == 1
    assert count(client, q="rolled") == 0


def open_index_files(index_dir):
    """Descriptors and memory maps this process holds on index files (Whoosh maps segments)."""
    import os

    maps = sum(str(index_dir) in line for line in open("/proc/self/maps"))
    return len(os.listdir("/proc/self/fd")) + maps


def test_file_handles_do_not_grow_over_ten_thousand_searches(archive, search_index):
    from articles.search import SearchRequest, parse_user_query, search_articles

    for n in range(20):
        archive.add(f"Release {n}", f"Kenya and Peru discuss trade, round {n}.")
    requests = [
        SearchRequest(parse_user_query(q), countries=c, per_page=1)
        for q in ("trade", "kenya peru", '"discuss trade"', "")
        for c in ((), ("KE",))
    ]
    search_articles(requests[0])
    handles_before = open_index_files(search_index)
    for number in range(10_000):
        if number % 2_000 == 1_999:  # the index changes now and then: searchers are replaced
            archive.add(f"Later release {number}", "Kenya again.")
        search_articles(requests[number % len(requests)])
    assert open_index_files(search_index) <= handles_before + 2


def test_a_release_without_a_word_to_index_is_indexed_and_holds_up_no_other(archive, client):
    # Only stop words and punctuation: Whoosh's pair filter once failed on it, and with it
    # every update queued behind it.
    archive.add("The", "A. - !")
    archive.add("Kenya talks", "Kenya and Peru.")
    assert this_node_standing().unapplied == 0
    assert count(client, q="kenya") == 1
    assert client.get("/api/search", {"q": '"the a"'}).status_code == 200
