"""`check_index` finds every kind of drift between the index and the database, and --fix mends it."""

import io

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, IndexChange


def check(*args):
    out = io.StringIO()
    try:
        call_command("check_index", *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def lose_owed_updates():
    """Simulate changes that never reached the index (the log forgot them)."""
    IndexChange.objects.all().delete()


def test_a_faithful_index_passes(archive):
    archive.add("One", "Kenya.")
    archive.add("Two", "Peru.")
    ok, report = check()
    assert ok, report
    assert "2 articles, 2 index documents." in report
    assert "The index matches the database." in report


def test_missing_stale_and_orphaned_documents_are_reported_and_fixed(archive, client):
    kept = archive.add("Kept", "Kenya.")
    edited = archive.add("Edited", "Kenya.")
    deleted = archive.add("Deleted", "Kenya.")
    added = Article.objects.create(
        title="Added behind the index's back", body="Peru.", published="2020-01-01", fingerprint="x"
    )
    Article.objects.filter(pk=edited.pk).update(body="Changed behind the index's back.")
    Article.objects.filter(pk=deleted.pk).delete()
    lose_owed_updates()

    ok, report = check()
    assert not ok
    assert f"missing: 1 ({added.pk})" in report
    assert f"stale: 1 ({edited.pk})" in report
    assert f"orphaned: 1 ({deleted.pk})" in report
    assert "run `manage.py check_index --fix`" in report

    ok, report = check("--fix")
    assert ok, report
    assert "Repairing 3 documents" in report
    assert check()[0]
    found = client.get("/api/search", {"q": "changed"}).json()["results"]
    assert [r["id"] for r in found] == [edited.pk]
    assert kept.pk in [r["id"] for r in client.get("/api/search").json()["results"]]


def test_a_country_change_that_missed_the_index_is_stale(archive):
    article = archive.add("Tagged", "Kenya.")
    article.countries.clear()
    lose_owed_updates()
    ok, report = check()
    assert not ok and f"stale: 1 ({article.pk})" in report


def test_without_an_index_check_index_says_so(db, search_index):
    (search_index / "current").unlink()
    with pytest.raises(CommandError, match="rebuild_index"):
        call_command("check_index", stdout=io.StringIO(), stderr=io.StringIO())
