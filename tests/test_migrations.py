"""Migrations keep every article's data: the move to weighted countries and per-country choices."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("articles", "0003_import_batches")]
AFTER = [("articles", "0004_country_weights_and_choices")]


@pytest.fixture
def migrated_back(django_db_serialized_rollback, transactional_db):
    """The database as the previous version of Pressroom left it; forward again afterwards (and
    the countries the data migration loaded put back after the test's flush)."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_tags_get_weights_and_hand_chosen_countries_become_choices(migrated_back):
    Article = migrated_back.get_model("articles", "Article")
    day = datetime.date(2019, 9, 27)
    found = Article.objects.create(title="Kenya water talks", body="Kenya discussed water.", published=day, fingerprint="a")
    found.countries.set(["KE"])
    by_hand = Article.objects.create(
        title="Uganda talks", body="Uganda and Kenya discussed water.", published=day, fingerprint="b", countries_set_by_hand=True
    )
    by_hand.countries.set(["TZ", "UG"])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    ArticleCountry = apps.get_model("articles", "ArticleCountry")
    CountryChoice = apps.get_model("articles", "CountryChoice")

    tags = {(tag.article_id, tag.country_id): tag.weight for tag in ArticleCountry.objects.all()}
    assert tags == {(found.pk, "KE"): 5.0, (by_hand.pk, "TZ"): 0.0, (by_hand.pk, "UG"): 5.0}
    choices = {(choice.article_id, choice.country_id, choice.included) for choice in CountryChoice.objects.all()}
    # The editor's list stays exactly as it was: Kenya, which the text is about, is left out.
    assert choices == {(by_hand.pk, "TZ", True), (by_hand.pk, "UG", True), (by_hand.pk, "KE", False)}

