"""Which release an import is: an update keeps what it replaced, different releases stay apart.

The fixtures (tests/fixtures/identity/) are the cases that lost text before versions: two
releases under one generic headline on one day, a correction of a few words, a file sent
twice, a short story and its longer rewrite, and a CSV of releases whose titles changed.
"""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.importing import batch_from_paths, process_batch
from articles.ingest.cleaning import clean_text
from articles.ingest.errors import RejectedArticle
from articles.ingest.records import normalised_identifier, record_article
from articles.ingest.similarity import resemblance
from articles.models import Article, ArticleVersion

from .conftest import FIXTURES

CASES = FIXTURES / "identity"


def imported(archive, *names):
    """Import the fixtures as one batch; (outcome, reason) of each release, in order."""
    with archive.committed():
        batch = process_batch(batch_from_paths([CASES / name for name in names]))
    return [(item.outcome, item.reason) for item in batch.items.order_by("source_file_id", "position")]


def search(client, q):
    return client.get("/api/search", {"q": q}).json()["count"]


def test_two_releases_under_one_generic_headline_on_one_day_are_two_releases(archive, client):
    outcomes = imported(archive, "spokesperson-trade.txt", "spokesperson-consular.txt")
    first = Article.objects.get(body__contains="tariffs")
    assert outcomes[0] == ("created", "")
    assert outcomes[1][0] == "created"
    assert outcomes[1][1].startswith(f"same title and date as #{first.pk} but a different text (")
    assert Article.objects.filter(title="Statement by the Spokesperson").count() == 2
    assert search(client, "tariffs") == 1 and search(client, "flooding") == 1


def test_a_correction_of_a_few_words_updates_the_release_and_keeps_the_text_it_replaced(archive, client):
    imported(archive, "ceasefire.txt")
    article = Article.objects.get()
    [(outcome, reason)] = imported(archive, "ceasefire-corrected.txt")
    assert outcome == "updated" and reason.endswith("% the same text") and int(reason.split("%")[0]) >= 60
    assert Article.objects.get().pk == article.pk  # the permalink stays
    first, second = ArticleVersion.objects.filter(article=article).order_by("number")
    assert "Thursday" in first.body and "40,000" in first.body
    assert "Wednesday" in second.body and "45,000" in second.body
    assert second.major and second.note == "The text was revised." and second.how.startswith("import batch")
    assert (
        search(client, "wednesday") == 1 and search(client, "thursday") == 0
    )  # search finds the current text


def test_a_file_sent_again_changes_nothing(archive):
    imported(archive, "ceasefire.txt")
    assert imported(archive, "ceasefire.txt") == [("unchanged", "")]
    assert ArticleVersion.objects.count() == 1


def test_a_short_story_and_its_longer_rewrite_are_both_kept(archive):
    imported(archive, "flood-short.txt")
    [(outcome, reason)] = imported(archive, "flood-rewrite.txt")
    assert outcome == "created" and "but a different text" in reason
    assert Article.objects.filter(title="Flood relief reaches the delta").count() == 2


def test_releases_that_give_their_url_are_updated_by_it_whatever_their_titles(archive, client):
    imported(archive, "releases.csv")
    meeting = Article.objects.get(source_url="https://mfa.example.org/press/1041")
    old_permalink = meeting.get_absolute_url()
    outcomes = imported(archive, "releases-retitled.csv")
    assert outcomes == [("updated", "same source URL"), ("updated", "same source URL")]
    assert Article.objects.count() == 2
    meeting.refresh_from_db()
    assert meeting.title == "Minister meets Kenyan counterpart in Nairobi"
    assert [v.title for v in meeting.versions.order_by("number")] == [
        "Minister meets Kenyan counterpart",
        meeting.title,
    ]
    assert meeting.versions.get(number=2).note == "The title was revised."
    # A bookmark of the old title's address still reaches the release.
    assert client.get(old_permalink).status_code == 301
    assert client.get(old_permalink, follow=True).redirect_chain[-1][0] == meeting.get_absolute_url()


def test_different_ids_are_different_releases_even_with_the_same_title_date_and_text(archive):
    csv = CASES.parent / "ids.csv"  # written by the test: one title, date and text, two ids
    csv.write_text(
        "id,title,date,body\n"
        "A-1,Press release,2024-02-01,Talks in Lima.\n"
        "A-2,Press release,2024-02-01,Talks in Lima.\n"
    )
    try:
        with archive.committed():
            batch = process_batch(batch_from_paths([csv]))
    finally:
        csv.unlink()
    assert sorted(batch.items.values_list("outcome", flat=True)) == ["created", "created"]
    assert set(Article.objects.values_list("identifier", flat=True)) == {"A-1", "A-2"}


def test_a_release_stored_without_a_url_takes_the_url_an_import_gives_it(archive):
    archive.add(
        "Minister meets Kenyan counterpart",
        (
            "The Minister met her Kenyan counterpart in Nairobi to discuss trade, water "
            "and security cooperation."
        ),
        "2024-01-15",
    )
    article = Article.objects.get()
    outcomes = imported(archive, "releases.csv")
    assert outcomes[0] == ("updated", f"100% the same text; #{article.pk} takes its source URL")
    article.refresh_from_db()
    assert article.identifier == article.source_url == "https://mfa.example.org/press/1041"
    assert not article.versions.get(number=2).major  # only the source URL is new: readers are not told


def test_an_update_of_a_withdrawn_release_keeps_it_withdrawn_and_says_so(archive, client):
    from articles.editing import withdraw

    imported(archive, "ceasefire.txt")
    article = Article.objects.get()
    with archive.committed():
        withdraw(article, note="Issued in error.")
    [(outcome, reason)] = imported(archive, "ceasefire-corrected.txt")
    assert outcome == "updated" and f"#{article.pk} is withdrawn" in reason
    assert search(client, "wednesday") == 0


def test_a_release_merged_into_another_keeps_what_its_identity_sends_and_the_survivor_its_text(archive):
    from articles.editing import merge

    imported(archive, "releases.csv")
    duplicate, survivor = Article.objects.order_by("pk")
    merge(duplicate, survivor)
    [first, second] = imported(archive, "releases-retitled.csv")
    assert first == ("updated", f"same source URL; #{duplicate.pk} is merged into #{survivor.pk}")
    assert second == ("updated", "same source URL")  # the survivor's own URL updates it ...
    survivor.refresh_from_db()  # ... and only that: the duplicate's text is never written over it
    assert (
        survivor.title == "Joint statement on maritime security and fisheries"
        and "Kenyan" not in survivor.body
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk and duplicate.versions.count() == 2
    assert imported(archive, "releases.csv")[0][0] == "unchanged"  # sent again: no flip back


def test_two_texts_under_one_id_in_one_file_do_not_flip_the_release_at_each_sending(archive, tmp_path):
    csv = tmp_path / "twice.csv"
    csv.write_text(
        "id,title,date,body\n"
        "A-1,Talks,2024-02-01,Talks in Lima on trade.\n"
        "A-1,Talks,2024-02-01,Talks in Quito on fish.\n"
    )
    for _ in range(3):
        with archive.committed():
            process_batch(batch_from_paths([csv]))
    article = Article.objects.get()
    assert article.body == "Talks in Quito on fish." and article.versions.count() == 2


def test_every_change_is_a_version_and_unchanged_imports_write_none(archive):
    imported(archive, "ceasefire.txt", "spokesperson-trade.txt")
    outcomes = imported(
        archive, "ceasefire-corrected.txt", "ceasefire.txt"
    )  # corrected, then the first file again
    ceasefire = Article.objects.get(title__startswith="Foreign Minister")
    assert list(ceasefire.versions.values_list("number", flat=True)) == [1, 2]
    # An old file sent again does not undo the correction; the editor can restore version 1.
    assert "Wednesday" in ceasefire.body
    assert outcomes[1] == (
        "unchanged",
        f"the text of version 1 of #{ceasefire.pk}, which a later version replaced; "
        "restore it in the admin to make it current",
    )
    assert Article.objects.get(title__startswith="Statement").versions.count() == 1


# -- the measure and the record fields, for any input -------------------------------------------

texts = st.text(st.characters(codec="utf-8"), max_size=300)


@given(texts, texts)
def test_resemblance_is_a_symmetric_fraction_that_is_whole_for_the_same_words(first, second):
    score = resemblance(first, second)
    assert 0.0 <= score <= 1.0
    assert score == resemblance(second, first)
    assert resemblance(first, first) == 1.0
    assert resemblance(first, first.upper().replace(" ", "\n ")) == 1.0 or not first.isascii()


@given(
    st.one_of(st.none(), st.text(max_size=80), st.integers(), st.lists(st.text(max_size=5), max_size=3)),
    st.one_of(st.none(), st.text(max_size=80), st.integers()),
)
def test_any_url_or_id_is_taken_or_refused_with_a_reason(url, identifier):
    record = {"title": "Talks", "date": "2024-01-01", "body": "Text.", "url": url, "id": identifier}
    try:
        parsed = record_article(record)
    except RejectedArticle as error:
        assert str(error)
        return
    if parsed.source_url:
        assert parsed.source_url.startswith(("http://", "https://")) and "#" not in parsed.source_url
    given_id = normalised_identifier(clean_text(identifier)) if isinstance(identifier, str) else ""
    assert parsed.identifier == (given_id or parsed.source_url)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/a", "mfa.example.org/press", "http://", "https://[::1/x"],
)
def test_a_url_that_is_not_a_web_address_is_refused(url):
    with pytest.raises(RejectedArticle, match="is not a web address"):
        record_article({"title": "Talks", "date": "2024-01-01", "body": "Text.", "url": url})


def test_the_same_page_copied_two_ways_is_one_identity():
    one = record_article(
        {"title": "T", "date": "2024-01-01", "body": "B", "url": "HTTPS://Example.ORG/press/1#top"}
    )
    other = record_article(
        {"title": "T", "date": "2024-01-01", "body": "B", "url": "https://example.org/press/1"}
    )
    assert one.identifier == other.identifier == "https://example.org/press/1"
    assert one.published == datetime.date(2024, 1, 1)


def test_an_id_typed_or_copied_two_ways_is_one_identity():
    composed, decomposed = "caf\u00e9-7", "cafe\u0301-7"
    ids = {
        record_article({"title": "T", "date": "2024-01-01", "body": "B", "id": value}).identifier
        for value in (composed, decomposed, "\u200fcaf\u00e9-7\u202e", " caf\u00e9-7 ")
    }
    assert ids == {composed}
