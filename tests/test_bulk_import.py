"""A bulk fill stores what importing the same releases one by one stores, and the index follows it."""

import io

import pytest
from django.core.management import CommandError, call_command

from articles.bulk_import import prepare_release, store_releases
from articles.demo import generate_article_texts
from articles.demo_fill import fill_with_demo_releases
from articles.ingest.parsing import parse_article
from articles.models import Article, ArticleRemoval, ArticleVersion, IndexChange
from articles.services import article_import

from .conftest import article_text


def stored_archive():
    """Every article as readers, editors and the index see it, keyed by fingerprint."""
    articles = Article.objects.prefetch_related("country_tags", "versions")
    return {
        article.fingerprint: {
            "article": (article.title, article.slug, article.published, article.body, article.source),
            "identity": (article.identifier, article.source_url, article.import_batch_id),
            "public": article.is_public,
            "countries": {tag.country_id: tag.weight for tag in article.country_tags.all()},
            "versions": [
                (v.number, v.title, v.published, v.body, v.source, v.source_url, v.countries)
                + (v.how, v.major, v.note, v.created_by_id, v.import_batch_id, v.split_from_id)
                for v in article.versions.all()
            ],
        }
        for article in articles
    }


def test_a_bulk_fill_stores_what_one_import_at_a_time_stores(db):
    texts = list(generate_article_texts(80, seed=5))
    fill_with_demo_releases(80, seed=5)
    in_bulk = stored_archive()
    assert IndexChange.objects.count() == 80  # every index on every node learns of each
    assert sorted(IndexChange.objects.values_list("article_id", flat=True)) == sorted(
        Article.objects.values_list("pk", flat=True)
    )
    Article.objects.all().delete()
    for text in texts:
        article_import(parsed=parse_article(text))
    one_by_one = stored_archive()
    assert len(in_bulk) == 80
    assert in_bulk == one_by_one
    assert all(entry["countries"] for entry in in_bulk.values())


def test_a_release_stored_already_is_not_stored_again(db):
    fill_with_demo_releases(30, seed=6)
    outcome = fill_with_demo_releases(40, seed=6, start=21)  # 21 to 30 are there
    assert (outcome.created, outcome.unchanged) == (30, 10)
    assert Article.objects.count() == 60
    assert ArticleVersion.objects.count() == 60


def test_a_release_removed_for_good_is_not_brought_back(db):
    release = prepare_release(next(generate_article_texts(1, seed=7)))
    ArticleRemoval.objects.create(article_id=999, reason="A court order.", fingerprints=release.fingerprint)
    outcome = fill_with_demo_releases(3, seed=7)
    assert (outcome.created, outcome.refused) == (2, 1)
    assert not Article.objects.with_fingerprint(release.fingerprint).exists()


def test_a_correction_of_a_stored_release_updates_it_as_an_import_would(db):
    stored = article_import(parsed=parse_article(article_text(body="Kenya and Peru agreed on trade.-PR")))
    first = stored.article
    corrected = prepare_release(article_text(body="Kenya and Peru agreed on trade today.-PR"))
    namesake = prepare_release(article_text(body="A different text entirely, about Chile."))
    outcome = store_releases([corrected, namesake])
    assert (outcome.created, outcome.imported_one_by_one) == (1, 1)
    first.refresh_from_db()
    assert first.body == "Kenya and Peru agreed on trade today."
    assert list(first.versions.values_list("number", flat=True)) == [1, 2]
    assert Article.objects.count() == 2


def test_two_releases_with_one_title_and_date_in_one_batch_are_each_matched_as_imports_are(db):
    text = article_text(body="Kenya and Peru agreed on trade.-PR")
    again = article_text(body="Kenya and Peru agreed on trade today.-PR")
    outcome = store_releases([prepare_release(text), prepare_release(text), prepare_release(again)])
    assert (outcome.created, outcome.unchanged, outcome.imported_one_by_one) == (1, 1, 1)
    assert Article.objects.get().versions.count() == 2


def test_after_a_bulk_fill_and_a_rebuild_search_finds_every_release_and_check_index_no_drift(archive, client):
    said = io.StringIO()
    with archive.committed():
        call_command("generate_articles", "40", "--bulk", "--processes", "1", seed=8, stdout=said)
    assert "Added 40 generated releases. Run `manage.py rebuild_index`" in said.getvalue()
    call_command("rebuild_index", stdout=io.StringIO(), stderr=io.StringIO())
    assert client.get("/api/search").json()["count"] == 40
    report = io.StringIO()
    call_command("check_index", stdout=report, stderr=io.StringIO())
    assert "The index matches the database." in report.getvalue()
    article = Article.objects.first()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(article.versions.get().get_absolute_url()).status_code == 200


def test_bulk_and_out_are_not_asked_together(db, tmp_path):
    with pytest.raises(CommandError, match="choose one"):
        call_command("generate_articles", "3", "--bulk", "--out", str(tmp_path))
