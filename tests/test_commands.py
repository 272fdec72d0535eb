import codecs
import datetime
import io
import os
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from articles.demo import generate_article_texts
from articles.ingest.countries import countries_about
from articles.ingest.parsing import parse_article
from articles.models import Article, ArticleCountry
from articles.search import schedule_index_update
from articles.services import choose_country, tag_countries

from .conftest import article_text


def run(name, *args, **options):
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def count(client, **params):
    return client.get("/api/search", params).json()["count"]


@pytest.fixture
def article_folder(tmp_path):
    folder = tmp_path / "releases"
    (folder / "nested").mkdir(parents=True)
    (folder / "one.txt").write_text(article_text(title="First release"), encoding="utf-8")
    (folder / "two.txt").write_bytes(article_text(title="Second – Café").encode("cp1252"))
    (folder / "nested" / "three.txt").write_bytes(
        codecs.BOM_UTF16_LE + article_text(title="Third").encode("utf-16-le")
    )
    (folder / "broken.txt").write_text("A title\n\nno date here\n\nBody", encoding="utf-8")
    (folder / "notes.md").write_text("not a release", encoding="utf-8")
    return folder


def test_import_articles_reports_each_outcome_and_failure(client, archive, article_folder):
    out = io.StringIO()
    with archive.committed(), pytest.raises(CommandError, match="1 of 4 releases could not be imported"):
        call_command("import_articles", str(article_folder), stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "3 created, 0 updated, 0 unchanged, 1 failed." in report
    assert "broken.txt: Line 3 should be the publication date" in report
    assert set(Article.objects.values_list("title", flat=True)) == {"First release", "Second – Café", "Third"}
    assert count(client, q="café") == 1


def test_importing_the_same_files_again_changes_nothing(archive, article_folder):
    (article_folder / "broken.txt").unlink()
    with archive.committed():
        run("import_articles", str(article_folder))
    with archive.committed():
        assert "0 created, 0 updated, 3 unchanged, 0 failed." in run("import_articles", str(article_folder))
    assert Article.objects.count() == 3


def test_a_changed_text_updates_the_article_and_keeps_its_permalink(client, archive, tmp_path):
    path = tmp_path / "release.txt"
    draft = (
        "Kenya and its neighbours met in Nairobi to agree a draft plan for the shared river basin, "
        "to be signed in May."
    )
    path.write_text(article_text(title="Evolving", body=draft), encoding="utf-8")
    with archive.committed():
        run("import_articles", str(path))
    article = Article.objects.get()
    path.write_text(
        article_text(title="Evolving", body=draft.replace("draft", "final")), encoding="utf-8"
    )  # a correction
    with archive.committed():
        assert "0 created, 1 updated" in run("import_articles", str(path))
    assert Article.objects.get().get_absolute_url() == article.get_absolute_url()
    assert count(client, q="final") == 1 and count(client, q="draft") == 0


def test_import_articles_names_a_missing_path(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run("import_articles", str(tmp_path / "nowhere"))


def test_generate_articles_is_deterministic_for_a_seed():
    assert list(generate_article_texts(5, seed=3)) == list(generate_article_texts(5, seed=3))
    assert list(generate_article_texts(5, seed=3)) != list(generate_article_texts(5, seed=4))


def test_generated_files_import_cleanly(archive, tmp_path, client):
    run("generate_articles", "12", "--seed", "5", "--out", str(tmp_path / "out"))
    files = sorted((tmp_path / "out").glob("*.txt"))
    assert len(files) == 12
    with archive.committed():
        assert "12 created, 0 updated, 0 unchanged, 0 failed." in run(
            "import_articles", str(tmp_path / "out")
        )
    assert count(client) == 12


def test_a_large_import_is_indexed_beside_it_by_a_forked_writer_without_drift(tmp_path):
    from .processes import manage

    data = tmp_path / "data"
    manage(data, "migrate", "-v0")
    manage(data, "rebuild_index", "-v0")
    # Two chunks of the import (CHUNK_SIZE is 500), so the writer works while the next is stored.
    manage(data, "generate_articles", "600", "--seed", "8", "--out", str(tmp_path / "out"))
    imported = manage(data, "import_articles", str(tmp_path / "out")).stdout
    assert ", 0 failed." in imported
    assert "The index matches the database." in manage(data, "check_index").stdout
    assert (
        "Applied the change log: 0 releases written" in manage(data, "catch_up_index").stdout
    )  # nothing left


def test_generate_articles_adds_searchable_releases(archive, client):
    with archive.committed():
        run("generate_articles", "25", "--seed", "9")
    assert Article.objects.count() == 25
    assert count(client) == 25
    assert all(article.countries.exists() for article in Article.objects.all())


def test_the_demo_archive_is_varied_enough_to_explore():
    articles = [parse_article(text) for text in generate_article_texts(2000, seed=2019)]
    years = {article.published.year for article in articles}
    countries = Counter(code for r in articles for code in set(countries_about(r.title, r.body)))
    words = [len(article.body.split()) for article in articles]
    assert len(years) >= 10
    assert len(countries) >= 60
    assert 150 <= min(words) and max(words) <= 900
    assert len({article.title for article in articles}) > 1500
    assert min(r.published for r in articles) >= datetime.date(2012, 1, 1)


def test_rebuild_index_restores_search_from_the_database(archive, client, search_index):
    archive.add("Kept in the database", "Kenya and Peru.")
    (search_index / "current").unlink()
    assert client.get("/api/search").status_code == 503
    assert "Indexed 1 articles." in run("rebuild_index")
    assert count(client, q="kept") == 1


def test_prepare_archive_loads_the_demo_once_when_asked(archive, client, settings):
    settings.PRESSROOM_DEMO_ARTICLES = 15
    with archive.committed():
        assert "adding 15 demo releases" in run("prepare_archive", "--demo")
    with archive.committed():
        assert "adding" not in run("prepare_archive", "--demo")
    assert Article.objects.count() == 15
    assert count(client) == 15


def test_prepare_archive_leaves_an_empty_archive_empty_unless_asked(archive, client, settings):
    settings.PRESSROOM_DEMO_ARTICLES = 15
    with archive.committed():
        said = run("prepare_archive")
    assert "The archive is empty; import releases in the admin (or run with --demo for demo data)." in said
    assert "adding" not in said
    assert Article.objects.count() == 0 and count(client) == 0


def test_the_demo_setting_asks_for_the_demo_too(archive, client, settings):
    settings.PRESSROOM_DEMO_ARTICLES, settings.PRESSROOM_DEMO = 15, True
    with archive.committed():
        assert "adding 15 demo releases" in run("prepare_archive")
    assert count(client) == 15


def schema_without_phrase_pairs():
    from whoosh.fields import ID, Schema

    return Schema(id=ID(stored=True, unique=True))


def schema_without_country_weights():
    """The same fields, but countries recorded without how much a release is about them."""
    from whoosh.fields import KEYWORD

    from articles.search.schema import SCHEMA

    schema = SCHEMA.copy()
    schema.remove("countries")
    schema.add("countries", KEYWORD(lowercase=False, scorable=False))
    return schema


def schema_without_accent_folding():
    """The same fields, but words indexed with their accents ("türkiye" and "turkiye" apart)."""
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import TEXT

    from articles.search.schema import SCHEMA

    schema = SCHEMA.copy()
    for name in ("title", "body"):
        schema.remove(name)
        schema.add(name, TEXT(analyzer=StemmingAnalyzer()))
    return schema


@pytest.mark.parametrize(
    "earlier_schema",
    [schema_without_phrase_pairs, schema_without_country_weights, schema_without_accent_folding],
)
def test_an_index_from_an_earlier_version_is_rebuilt_by_prepare_archive(
    archive, client, caplog, earlier_schema
):
    from articles.search.generations import index_root, make_current
    from articles.search.searchers import forget_open_index
    from articles.search.storage import UnhurriedFileStorage

    archive.add("Written before the upgrade", "Kenya and Peru signed a bilateral trade accord.")
    earlier = index_root() / "generation-1"
    earlier.mkdir()
    UnhurriedFileStorage(str(earlier)).create_index(earlier_schema())
    make_current(earlier)
    forget_open_index()
    assert client.get("/api/search").status_code == 503
    assert "built by an earlier version; run `manage.py rebuild_index`" in caplog.text
    run("prepare_archive")
    assert count(client, q='"bilateral trade"') == 1


@pytest.fixture
def tagged_by_an_older_extractor(archive):
    """Three releases whose tags an earlier extractor got wrong, one of them corrected by an editor."""
    kenya = archive.add("Kenya water talks", "Kenya discussed water with Uganda.")
    peru = archive.add("Mining rules", "Peru changed its mining rules. Peru said so twice.")
    chosen = archive.add("Chosen", "Chile and Peru met.")
    with archive.committed():
        ArticleCountry.objects.filter(article=kenya, country="UG").delete()  # missed
        ArticleCountry.objects.create(article=peru, country_id="FR", weight=1.0)  # a false hit
        ArticleCountry.objects.filter(article=peru, country="PE").update(weight=1.0)  # weighed low
        choose_country(chosen, "CL", included=False)  # an editor's word: not about Chile
        tag_countries(chosen)
        for article in (kenya, peru):
            schedule_index_update(article.pk)
    return {"kenya": kenya, "peru": peru, "chosen": chosen}


def tags(article):
    return {tag.country_id: tag.weight for tag in ArticleCountry.objects.filter(article=article)}


def test_retag_countries_dry_run_shows_what_would_change_and_changes_nothing(
    client, tagged_by_an_older_extractor
):
    before = {name: tags(article) for name, article in tagged_by_an_older_extractor.items()}
    output = run("retag_countries", "--dry-run")
    kenya, peru = tagged_by_an_older_extractor["kenya"], tagged_by_an_older_extractor["peru"]
    assert f"{kenya.pk} Kenya water talks: +UG 2" in output
    assert f"{peru.pk} Mining rules: -FR PE 1→3.5" in output
    assert (
        "3 articles checked: 2 would change (1 countries added, 1 removed, 1 reweighted); "
        "editors' choices kept on 1." in output
    )
    assert "Dry run: nothing was changed." in output
    assert {name: tags(article) for name, article in tagged_by_an_older_extractor.items()} == before
    assert count(client, country="FR") == 1 and count(client, country="UG") == 0


def test_retag_countries_applies_the_extractor_keeps_editors_choices_and_updates_search(
    client, archive, tagged_by_an_older_extractor
):
    errors = io.StringIO()
    with archive.committed():
        call_command("retag_countries", stdout=io.StringIO(), stderr=errors)
    assert "Retagging" in errors.getvalue() and "3/3" in errors.getvalue()  # the progress bar
    assert tags(tagged_by_an_older_extractor["kenya"]) == {"KE": 5.0, "UG": 2.0}
    assert tags(tagged_by_an_older_extractor["peru"]) == {"PE": 3.5}
    assert tags(tagged_by_an_older_extractor["chosen"]) == {"PE": 2.0}  # Chile stays left out
    assert count(client, country="FR") == 0
    assert count(client, country="UG") == 1
    assert count(client, country="CL") == 0
    assert "0 changed" in run("retag_countries")  # nothing left to do


def test_a_file_whose_name_is_not_utf8_is_named_and_the_others_imported(archive, tmp_path):
    folder = tmp_path / "from-another-system"
    folder.mkdir()
    (folder / "good.txt").write_text(article_text(title="Named well"), encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "w", encoding="utf-8") as latin1_named:
        latin1_named.write(article_text(title="Named in Latin-1"))
    err = io.StringIO()
    with archive.committed(), pytest.raises(CommandError, match="1 file skipped for its name"):
        call_command("import_articles", str(folder), stdout=io.StringIO(), stderr=err)
    assert "caf\ufffd.txt: skipped, its name is not UTF-8" in err.getvalue()
    assert list(Article.objects.values_list("title", flat=True)) == ["Named well"]
