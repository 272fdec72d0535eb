"""Countries of one version of the index: exact masks, weights and counts, whatever is kept of
the masks, and one version's arrays shared by the threads searching it."""

import gc
import random
import threading
import weakref

import numpy as np
import pytest
from whoosh import index as whoosh_index

from articles.search.arrays import IndexArrays, _versions
from articles.search.country_lists import MOST_COUNTRIES_IN_A_ROW
from articles.search.schema import SCHEMA, country_terms

CODES = ["PK", "IN", "RU", "CN", "US", "FR", "DE", "KE"]
DELETED = ("17", "42")


def release(number: int, rng: random.Random) -> dict:
    """A release naming 0 to all 8 countries (more than a row holds), each with its weight."""
    named = rng.sample(CODES, rng.choice([0, 1, 1, 2, 2, 3, len(CODES)]))
    return {
        "id": str(number),
        "title": "Trade talks",
        "body": "Trade" if number % 3 else "Energy",
        "published": 20190927,
        "countries": country_terms((code, rng.choice([0.5, 1, 3, 7])) for code in named),
    }


@pytest.fixture
def index(tmp_path):
    """Three segments of 150 releases, the second with deletions."""
    rng = random.Random(19)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    for first in (0, 150, 300):
        writer = ix.writer()
        for number in range(first, first + 150):
            writer.add_document(**release(number, rng))
        writer.commit(merge=False)
    writer = ix.writer()
    for number in DELETED:
        writer.delete_by_term("id", number)
    writer.commit(merge=False)
    yield ix
    ix.close()


def whoosh_weights(searcher) -> dict[str, dict[int, float]]:
    """Per country, each document's weight for it, from Whoosh's own matchers."""
    found = {}
    for code in CODES:
        if ("countries", code) in searcher.reader():
            found[code] = {}
            matcher = searcher.reader().postings("countries", code)  # deleted documents left out
            while matcher.is_active():
                found[code][matcher.id()] = matcher.weight() * 0.5
                matcher.next()
    return found


def masks(rng: np.random.Generator, size: int):
    """Masks choosing none, few, about half, most and all of the documents."""
    for share in (0.0, 0.05, 0.45, 0.55, 0.9, 1.0):
        yield rng.random(size) < share


def test_country_counts_are_exact_for_any_share_of_the_documents(index):
    with index.searcher() as searcher:
        arrays = IndexArrays(searcher)
        weights = whoosh_weights(searcher)
        assert arrays.version.countries._rows.shape[1] <= MOST_COUNTRIES_IN_A_ROW
        assert len(arrays.version.countries._apart_documents)  # some release names more than a row holds
        for documents in masks(np.random.default_rng(19), arrays.size):
            documents &= arrays.live
            expected = {code: sum(documents[number] for number in found) for code, found in weights.items()}
            assert arrays.country_counts(documents) == {code: n for code, n in expected.items() if n}


def test_masks_and_weights_of_countries_are_whooshs(index):
    with index.searcher() as searcher:
        arrays = IndexArrays(searcher)
        weights = whoosh_weights(searcher)
        live = set(np.flatnonzero(arrays.live).tolist())
        for code in CODES:
            assert set(np.flatnonzero(arrays.in_countries([code]) & arrays.live).tolist()) == set(
                weights[code]
            )
        chosen = ["PK", "KE"]
        assert set(np.flatnonzero(arrays.in_countries(chosen) & arrays.live).tolist()) == (
            set(weights["PK"]) | set(weights["KE"])
        )
        assert set(np.flatnonzero(arrays.in_every_country(chosen) & arrays.live).tolist()) == (
            set(weights["PK"]) & set(weights["KE"])
        )
        greatest = arrays.weight_of_countries(chosen)
        for number in live:
            assert greatest[number] == max(weights["PK"].get(number, 0), weights["KE"].get(number, 0))
        assert arrays.in_countries(["ZZ"]).sum() == 0 and arrays.weight_of_countries(["ZZ"]).sum() == 0


@pytest.mark.parametrize("masks_kept", [0, 2, len(CODES)])
def test_masks_kept_within_their_budget_give_the_same_searches(index, settings, masks_kept):
    with index.searcher() as searcher:
        size = searcher.doc_count_all()
        settings.PRESSROOM_COUNTRY_MASKS_BYTES = max(1, masks_kept * size)  # each mask: a byte per document
        arrays = IndexArrays(searcher)
        weights = whoosh_weights(searcher)
        for _ in range(3):  # masks kept, or built again
            for code in CODES:
                assert set(np.flatnonzero(arrays.in_countries([code]) & arrays.live).tolist()) == set(
                    weights[code]
                )
                assert arrays.version.countries.masks_used <= settings.PRESSROOM_COUNTRY_MASKS_BYTES
        assert arrays.version.countries.masks_used == masks_kept * size


def test_threads_searching_one_version_share_its_arrays_and_a_commit_makes_another(index):
    seen = []

    def search():
        with index.searcher() as searcher:
            seen.append(IndexArrays(searcher).version)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(version is seen[0] for version in seen)
    earlier = seen[0]
    assert not earlier.published.flags.writeable and not earlier.live.flags.writeable
    with index.searcher() as searcher:
        fifth = searcher.document_number(id="5")

    writer = index.writer()
    writer.delete_by_term("id", "5")  # a deletion only: the same segments
    writer.commit(merge=False)
    with index.searcher() as searcher:
        later = IndexArrays(searcher).version
        assert later is not earlier
        assert earlier.live[fifth] and not later.live[fifth]
        assert later.live.sum() == earlier.live.sum() - 1
    kept = [weakref.ref(earlier), weakref.ref(later)]
    assert all(version() in _versions._kept.values() for version in kept)
    seen.clear()
    del earlier, later
    gc.collect()
    # Dropped once no searcher holds it; the latest is kept for the next search.
    assert kept[0]() is None and kept[1]() is not None
