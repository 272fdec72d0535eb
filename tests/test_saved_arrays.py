"""A large segment's arrays saved beside it: read back as the segment holds them, never trusted
when garbled or another segment's, never replaced once in place, gone with the segment, and
written by a rebuild so that a new process's first search reads no postings of countries."""

import logging
import os
import random

import numpy as np
import pytest
from whoosh import index as whoosh_index

from articles.search import (
    SearchRequest,
    arrays,
    parse_user_query,
    rebuild_index,
    saved_arrays,
    search_articles,
)
from articles.search.arrays import IndexArrays, SegmentArrays, forget_cached_segments
from articles.search.schema import SCHEMA, country_terms
from articles.search.searchers import forget_open_index, searcher

CODES = ["PK", "IN", "RU", "CN", "US", "FR", "DE", "KE"]


@pytest.fixture(autouse=True)
def saved_from_thirty(monkeypatch):
    """Segments of 30 documents or more count as large here (a real one holds 10,000)."""
    monkeypatch.setattr(saved_arrays, "SAVED_FROM", 30)


def release(number: int, rng: random.Random) -> dict:
    named = rng.sample(CODES, rng.choice([0, 1, 2, 3]))
    return {
        "id": str(number),
        "title": f"Trade talks {number}",
        "body": "Trade and energy" if number % 3 else "Energy",
        "published": 20190101 + number % 28,
        "countries": country_terms((code, rng.choice([0.5, 1, 3])) for code in named),
    }


@pytest.fixture
def index(tmp_path):
    """Two segments of 40 releases and one of 5."""
    rng = random.Random(7)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    for first, count in ((0, 40), (40, 40), (80, 5)):
        writer = ix.writer()
        for number in range(first, first + count):
            writer.add_document(**release(number, rng))
        writer.commit(merge=False)
    yield ix
    ix.close()


def leaves(ix):
    searcher_ = ix.searcher()
    return searcher_, [reader for reader, _ in searcher_.reader().leaf_readers()]


def same(first: SegmentArrays, second: SegmentArrays) -> bool:
    pairs = [
        (first.published, second.published),
        (first.lengths["title"], second.lengths["title"]),
        (first.lengths["body"], second.lengths["body"]),
        (first.country_docs, second.country_docs),
        (first.country_numbers, second.country_numbers),
        (first.country_weights, second.country_weights),
    ]
    return first.country_codes == second.country_codes and all(
        a.dtype == b.dtype and np.array_equal(a, b) for a, b in pairs
    )


def saved_files(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".arrays.npz"))


def test_a_large_segments_arrays_are_saved_and_read_back_without_reading_the_segment(index, monkeypatch):
    folder = index.storage.folder
    searcher_, (large, _, small) = leaves(index)
    with searcher_:
        from_whoosh = SegmentArrays(large)
        assert saved_files(folder) == []
        SegmentArrays(large, folder)
        SegmentArrays(small, folder)
        assert saved_files(folder) == [f"{large.segment().segment_id()}.arrays.npz"]  # not the small one

        def no_reading(reader, size):
            raise AssertionError("read the segment's files")

        monkeypatch.setattr(arrays, "_read_segment", no_reading)
        assert same(SegmentArrays(large, folder), from_whoosh)
        with pytest.raises(AssertionError):
            SegmentArrays(small, folder)  # a small segment is always read


def test_searches_count_the_same_from_saved_arrays(index):
    folder = index.storage.folder
    with index.searcher() as searcher_:
        forget_cached_segments()
        read = IndexArrays(searcher_)  # no folder: everything read from Whoosh
        everything = np.ones(read.size, dtype=bool)
        expected = (read.country_counts(everything), read.in_countries(["PK", "KE"]).tolist())
        forget_cached_segments()
        IndexArrays(searcher_, folder)  # saves the two large segments
        forget_cached_segments()
        loaded = IndexArrays(searcher_, folder)
        assert len(saved_files(folder)) == 2
        assert (loaded.country_counts(everything), loaded.in_countries(["PK", "KE"]).tolist()) == expected
        assert sum(expected[0].values()) > 40
    forget_cached_segments()


def test_a_garbled_file_is_ignored_and_the_segment_read_again(index, caplog):
    folder = index.storage.folder
    searcher_, (large, *_) = leaves(index)
    with searcher_:
        from_whoosh = SegmentArrays(large)
        SegmentArrays(large, folder)
        path = saved_arrays.path_of(folder, large.segment().segment_id())
        garbled = bytearray(open(path, "rb").read())
        middle = len(garbled) // 2
        garbled[middle : middle + 8] = b"\xff" * 8
        with open(path, "wb") as file:
            file.write(garbled)
        with caplog.at_level(logging.WARNING, logger="articles.search.saved_arrays"):
            assert same(SegmentArrays(large, folder), from_whoosh)
        assert "Ignoring the unreadable" in caplog.text


def test_a_file_of_another_segment_or_layout_is_not_trusted(index, monkeypatch):
    folder = index.storage.folder
    searcher_, (first, second, _) = leaves(index)
    with searcher_:
        SegmentArrays(first, folder)
        first_id, second_id = first.segment().segment_id(), second.segment().segment_id()
        # The first segment's file under the second's name (a copy gone wrong): not the second's arrays.
        os.link(saved_arrays.path_of(folder, first_id), saved_arrays.path_of(folder, second_id))
        assert saved_arrays.load(folder, second_id, second.doc_count_all()) is None
        assert same(SegmentArrays(second, folder), SegmentArrays(second))
        # A layout this code does not know (an older Pressroom's file): read again.
        assert saved_arrays.load(folder, first_id, first.doc_count_all()) is not None
        monkeypatch.setattr(saved_arrays, "LAYOUT_VERSION", saved_arrays.LAYOUT_VERSION + 1)
        assert saved_arrays.load(folder, first_id, first.doc_count_all()) is None


def test_a_saved_file_is_never_replaced_and_no_hidden_copy_is_left(index):
    folder = index.storage.folder
    searcher_, (large, *_) = leaves(index)
    with searcher_:
        SegmentArrays(large, folder)
        path = saved_arrays.path_of(folder, large.segment().segment_id())
        before = os.stat(path)
        read = arrays._read_segment(large, large.doc_count_all())
        os.unlink(path)
        saved_arrays.save(folder, large.segment().segment_id(), read)  # two processes, one after the other
        first_copy = os.stat(path)
        saved_arrays.save(folder, large.segment().segment_id(), read)
        assert os.stat(path).st_ino == first_copy.st_ino and first_copy.st_size == before.st_size
        assert not [name for name in os.listdir(folder) if name.startswith(".arrays-")]


def test_an_unwritable_folder_costs_only_time(index, caplog):
    searcher_, (large, *_) = leaves(index)
    with searcher_, caplog.at_level(logging.WARNING, logger="articles.search.saved_arrays"):
        missing = os.path.join(index.storage.folder, "gone")
        assert same(SegmentArrays(large, missing), SegmentArrays(large))
    assert "Could not save" in caplog.text


def test_segments_merged_away_take_their_saved_arrays_with_them(index):
    folder = index.storage.folder
    searcher_, readers = leaves(index)
    with searcher_:
        for reader in readers:
            SegmentArrays(reader, folder)
    assert len(saved_files(folder)) == 2
    index.optimize()  # one segment of 85: Whoosh's cleanup removes the old segments' files
    assert saved_files(folder) == []
    searcher_, (merged,) = leaves(index)
    with searcher_:
        SegmentArrays(merged, folder)
    assert saved_files(folder) == [f"{merged.segment().segment_id()}.arrays.npz"]


# Committed, so that the rebuild's start is after every change it reads (see test_index_writing.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_saves_its_segments_arrays_for_the_first_search(archive, settings, monkeypatch):
    settings.PRESSROOM_INDEX_SEGMENT_ARTICLES = 30
    with archive.committed():
        for number in range(70):
            archive.add(f"Fisheries accord {number}", "Kenya and Peru signed." if number % 2 else "Chile.")
    assert rebuild_index() == 70
    forget_open_index()
    forget_cached_segments()
    with searcher() as held:
        folder = str(held.generation)
        sizes = sorted(reader.doc_count_all() for reader, _ in held.searcher.reader().leaf_readers())
    assert sizes == [10, 30, 30] and len(saved_files(folder)) == 2

    def no_reading(reader, size):
        assert size < saved_arrays.SAVED_FROM, "a large segment's arrays were read from its files"
        return real_read(reader, size)

    real_read = arrays._read_segment
    monkeypatch.setattr(arrays, "_read_segment", no_reading)
    request = SearchRequest(parse_user_query("fisheries"), countries=["KE"], per_page=10)
    assert search_articles(request).count == 35  # the odd ones name Kenya
    forget_cached_segments()
