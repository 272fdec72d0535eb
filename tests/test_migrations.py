"""Migrations keep every article's data: the move to weighted countries and per-country choices,
and to versions (every article's current text its version 1)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("articles", "0003_import_batches")]
AFTER = [("articles", "0004_country_weights_and_choices")]
BEFORE_VERSIONS = [("articles", "0005_import_batch_failure_and_worker_heartbeat")]
WITH_VERSIONS = [("articles", "0006_versions_identity_withdrawal")]


def migrated_back_to(target):
    """The database as an earlier version of Pressroom left it; forward again afterwards (and
    the countries the data migration loaded put back after the test's flush)."""
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    yield executor.loader.project_state(target).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def migrated_back(django_db_serialized_rollback, transactional_db):
    yield from migrated_back_to(BEFORE)


@pytest.fixture
def before_versions(django_db_serialized_rollback, transactional_db):
    yield from migrated_back_to(BEFORE_VERSIONS)


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_tags_get_weights_and_hand_chosen_countries_become_choices(migrated_back):
    Article = migrated_back.get_model("articles", "Article")
    day = datetime.date(2019, 9, 27)
    found = Article.objects.create(
        title="Kenya water talks", body="Kenya discussed water.", published=day, fingerprint="a"
    )
    found.countries.set(["KE"])
    by_hand = Article.objects.create(
        title="Uganda talks",
        body="Uganda and Kenya discussed water.",
        published=day,
        fingerprint="b",
        countries_set_by_hand=True,
    )
    by_hand.countries.set(["TZ", "UG"])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    ArticleCountry = apps.get_model("articles", "ArticleCountry")
    CountryChoice = apps.get_model("articles", "CountryChoice")

    tags = {(tag.article_id, tag.country_id): tag.weight for tag in ArticleCountry.objects.all()}
    assert tags == {(found.pk, "KE"): 5.0, (by_hand.pk, "TZ"): 0.0, (by_hand.pk, "UG"): 5.0}
    choices = {
        (choice.article_id, choice.country_id, choice.included) for choice in CountryChoice.objects.all()
    }
    # The editor's list stays exactly as it was: Kenya, which the text is about, is left out.
    assert choices == {(by_hand.pk, "TZ", True), (by_hand.pk, "UG", True), (by_hand.pk, "KE", False)}


def test_every_existing_article_gets_its_current_text_as_version_1(before_versions):
    Article = before_versions.get_model("articles", "Article")
    ArticleCountry = before_versions.get_model("articles", "ArticleCountry")
    ImportBatch = before_versions.get_model("articles", "ImportBatch")
    batch = ImportBatch.objects.create(origin="admin upload", status="done")

    def old_article(title, body, published, fingerprint, tags, **fields):
        article = Article.objects.create(
            title=title, slug="release", body=body, published=published, fingerprint=fingerprint, **fields
        )
        for code, weight in tags.items():
            ArticleCountry.objects.create(article=article, country_id=code, weight=weight)
        return article

    talks = old_article(
        "Kenya water talks",
        "Kenya discussed water with Uganda.",
        datetime.date(2019, 9, 27),
        "a",
        {"KE": 5.0, "UG": 1.5},
        source="Daily News",
        import_batch=batch,
    )
    # The same title and text on another day: two releases, two versions with one text.
    again = old_article(
        "Kenya water talks",
        "Kenya discussed water with Uganda.",
        datetime.date(2019, 9, 28),
        "b",
        {"KE": 5.0},
    )
    untagged = old_article("A statement", "No country named.", datetime.date(2019, 9, 29), "c", {})

    apps = migrate_to(WITH_VERSIONS)
    ArticleVersion = apps.get_model("articles", "ArticleVersion")
    Article = apps.get_model("articles", "Article")
    assert ArticleVersion.objects.count() == Article.objects.count() == 3
    kept = {
        version.article_id: (
            version.number,
            version.title,
            version.body,
            version.published,
            version.source,
            version.countries,
            version.major,
            version.import_batch_id,
            version.created,
        )
        for version in ArticleVersion.objects.all()
    }
    updated = dict(Article.objects.values_list("pk", "updated"))
    assert kept == {
        talks.pk: (
            1,
            "Kenya water talks",
            "Kenya discussed water with Uganda.",
            datetime.date(2019, 9, 27),
            "Daily News",
            {"KE": 5.0, "UG": 1.5},
            True,
            batch.pk,
            updated[talks.pk],
        ),
        again.pk: (
            1,
            "Kenya water talks",
            "Kenya discussed water with Uganda.",
            datetime.date(2019, 9, 28),
            "",
            {"KE": 5.0},
            True,
            None,
            updated[again.pk],
        ),
        untagged.pk: (
            1,
            "A statement",
            "No country named.",
            datetime.date(2019, 9, 29),
            "",
            {},
            True,
            None,
            updated[untagged.pk],
        ),
    }
    # Nothing an older archive held is public any less: no article is withdrawn, merged or given an identity.
    assert set(Article.objects.values_list("withdrawn", "merged_into", "identifier")) == {(None, None, None)}


BEFORE_CHANGE_LOG = [("articles", "0011_webhooks")]


@pytest.fixture
def before_change_log(django_db_serialized_rollback, transactional_db):
    yield from migrated_back_to(BEFORE_CHANGE_LOG)


def test_the_updates_an_old_archive_still_owed_become_entries_every_index_applies(before_change_log, client):
    Article = before_change_log.get_model("articles", "Article")
    PendingIndexUpdate = before_change_log.get_model("articles", "PendingIndexUpdate")
    owed = [
        Article.objects.create(
            title=f"Owed release {number}",
            slug=f"owed-release-{number}",  # the model's save() gives one; a historical model's does not
            body="Kenya.",
            published=datetime.date(2020, 1, 1),
            fingerprint=f"o{number}",
        )
        for number in range(3)
    ]
    for article in owed:  # written to the database, never to the index: the queue still owed them
        PendingIndexUpdate.objects.create(article_id=article.pk)

    apps = migrate_to([("articles", "0012_index_change_log")])
    entries = apps.get_model("articles", "IndexChange").objects.values_list("article_id", flat=True)
    assert sorted(entries) == [article.pk for article in owed]

    from articles.search import apply_pending_updates

    assert apply_pending_updates() == 3  # the index from before the log has applied none of it
    assert client.get("/api/search", {"q": "owed"}).json()["count"] == 3
