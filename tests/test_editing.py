"""Editors' actions keep what they replace and refuse what would break a permalink.

A removal for good stays removed.
"""

import pytest

from articles.editing import WITHDRAWAL_NOTE_MAX_CHARACTERS, EditingError, merge, remove_permanently, withdraw
from articles.importing import batch_from_paths, process_batch
from articles.models import Article, ArticleRemoval

from .conftest import FIXTURES


def import_files(archive, *paths):
    with archive.committed():
        batch = process_batch(batch_from_paths(list(paths)))
    return [(item.outcome, item.reason) for item in batch.items.order_by("source_file_id", "position")]


def test_a_release_removed_for_good_is_not_brought_back_by_importing_its_text_or_its_url_again(
    archive, client
):
    import_files(archive, FIXTURES / "identity" / "ceasefire.txt", FIXTURES / "identity" / "releases.csv")
    ceasefire = Article.objects.get(title__startswith="Foreign Minister")
    by_url = Article.objects.get(source_url="https://mfa.example.org/press/1041")
    ceasefire_id, by_url_id = ceasefire.pk, by_url.pk
    with archive.committed():
        remove_permanently(ceasefire, reason="Court order 12/2024.")
        remove_permanently(by_url, reason="Court order 13/2024.")
    outcomes = import_files(
        archive, FIXTURES / "identity" / "ceasefire.txt", FIXTURES / "identity" / "releases-retitled.csv"
    )
    assert (
        outcomes[0][0] == "failed"
        and f"Release #{ceasefire_id} was removed from the archive for good" in outcomes[0][1]
    )
    assert outcomes[1][0] == "failed" and f"#{by_url_id}" in outcomes[1][1]  # a new title, the same URL
    assert outcomes[2][0] == "updated"  # its neighbour is imported as ever
    assert client.get("/api/search", {"q": "ceasefire"}).json()["count"] == 0
    assert (
        "Thursday" not in ArticleRemoval.objects.get(article_id=ceasefire_id).fingerprints
    )  # digests, not words


def test_copies_merged_into_a_removed_release_are_removed_with_it(archive, client):
    survivor = archive.add("Budget statement", "Kenya presented its budget in Nairobi on Thursday.")
    copy = archive.add(
        "Budget statement, resent", "Kenya presented its budget in Nairobi on Thursday, resent."
    )
    merge(copy, survivor)
    copy_id = copy.pk
    with archive.committed():
        remove_permanently(survivor, reason="Court order.")
    assert not Article.objects.exists()
    assert client.get(f"/articles/{copy_id}/").status_code == 410
    assert client.get(f"/api/articles/{copy_id}").json() == {
        "error": f"Article {copy_id} was removed.",
        "reason": "Court order.",
        "removed": ArticleRemoval.objects.get(article_id=copy_id).removed.isoformat(),
    }


def test_merging_into_a_withdrawn_release_or_in_a_circle_is_refused(archive):
    first = archive.add("Talks", "Kenya and Peru met in Lima for talks on trade and fisheries.")
    second = archive.add("Talks again", "Kenya and Chile met in Santiago for talks on copper.")
    third = archive.add("More talks", "Kenya and Bolivia met in La Paz for talks on lithium.")
    merge(first, second)
    with pytest.raises(EditingError, match="go round in circles"):
        merge(second, first)
    withdraw(second, note="Sent in error.")
    with pytest.raises(EditingError, match=f"Release #{second.pk} is withdrawn"):
        merge(third, first)  # into first means into second, the one it became
    assert Article.objects.get(pk=third.pk).merged_into_id is None


def test_a_merge_chain_written_in_a_circle_by_hand_is_refused_not_followed_for_ever(archive):
    first = archive.add("Talks", "Kenya and Peru met in Lima for talks on trade and fisheries.")
    second = archive.add("Talks again", "Kenya and Chile met in Santiago for talks on copper.")
    third = archive.add("More talks", "Kenya and Bolivia met in La Paz for talks on lithium.")
    Article.objects.filter(pk=first.pk).update(merged_into=second)
    Article.objects.filter(pk=second.pk).update(merged_into=first)
    with pytest.raises(EditingError, match="circles"):
        merge(third, Article.objects.get(pk=first.pk))


def test_a_withdrawal_note_has_a_readers_length(archive):
    article = archive.add("Talks", "Kenya and Peru met in Lima.")
    with pytest.raises(EditingError, match="at most 2,000"):
        withdraw(article, note="x" * (WITHDRAWAL_NOTE_MAX_CHARACTERS + 1))
    assert Article.objects.get(pk=article.pk).withdrawn is None
