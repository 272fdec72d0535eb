"""Versions are written by every writer of an article, and only when something changed."""

from django.core.management import call_command

from articles.history import describe_change, first_versions_of_unversioned, public_updates, record_version
from articles.models import Article, ArticleVersion
from articles.services import choose_country, tag_countries

TALKS = (
    "Kenya discussed water with Uganda. The ministers met for two days of talks on the shared basin, "
    "on irrigation and on the dams planned upstream, and agreed to meet again next year."
)


def test_a_new_release_is_version_one_with_its_text_and_countries(archive):
    article = archive.add("Water talks", TALKS)
    [version] = article.versions.all()
    assert (version.number, version.title, version.body, version.major) == (1, "Water talks", TALKS, True)
    assert set(version.countries) == {"KE", "UG"} and version.countries["KE"] > 0
    assert version.get_absolute_url() == f"/articles/{article.pk}/water-talks/versions/1/"


def test_saving_what_is_already_the_latest_version_writes_none(archive):
    article = archive.add("Water talks", TALKS)
    assert record_version(article, how="admin edit") is None
    assert article.versions.count() == 1


def test_a_retag_that_changes_countries_is_a_quiet_version(archive):
    article = archive.add("Water talks", TALKS)
    ArticleVersion.objects.filter(article=article).update(
        countries={"KE": 1.0}
    )  # as an older extractor left them
    article.country_tags.filter(country_id="UG").delete()
    with archive.committed():
        call_command("retag_countries", verbosity=0)
    latest = article.versions.order_by("-number").first()
    assert latest.number == 2 and not latest.major and latest.how == "country retag"
    assert set(latest.countries) == {"KE", "UG"}
    assert public_updates(article) == []  # readers are told of major changes only


def test_an_editors_country_choice_is_kept_as_a_version(archive):
    article = archive.add("Water talks", TALKS)
    choose_country(article, "TZ", included=True)
    tag_countries(article)
    version = record_version(article, how="admin edit", major=False)
    assert version.number == 2 and "TZ" in version.countries and version.countries["TZ"] == 0.0


def test_the_change_note_names_what_readers_would_see_changed():
    assert describe_change(["body"]) == "The text was revised."
    assert describe_change(["title", "published", "body"]) == "The title, date and text were revised."
    assert describe_change(["body", "countries"]) == "The text was revised."
    assert describe_change(["countries"]) == "The countries were revised."


def test_articles_without_a_version_get_their_current_text_as_version_one(archive):
    article = archive.add("Water talks", TALKS)
    article.versions.all().delete()  # as rows written before versions were kept
    assert first_versions_of_unversioned() == 1
    assert Article.objects.get(pk=article.pk).versions.get().body == TALKS
