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
    saved_postings,
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
        assert not [name for name in os.listdir(folder) if name.startswith(".saving-")]


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
    # And the words in 1 % of a large segment's releases or more (here, every word of them).
    assert len([name for name in os.listdir(folder) if name.endswith(".postings.npz")]) == 2

    def no_reading(reader, size):
        assert size < saved_arrays.SAVED_FROM, "a large segment's arrays were read from its files"
        return real_read(reader, size)

    def no_postings_read(reader, field, text):
        in_segment = (field, text) in reader
        assert not in_segment or reader.doc_count_all() < saved_arrays.SAVED_FROM, f"{field}:{text} read"
        return real_postings(reader, field, text)

    real_read, real_postings = arrays._read_segment, arrays._read_postings
    monkeypatch.setattr(arrays, "_read_segment", no_reading)
    monkeypatch.setattr(arrays, "_read_postings", no_postings_read)
    request = SearchRequest(parse_user_query("fisheries"), countries=["KE"], per_page=10)
    assert search_articles(request).count == 35  # the odd ones name Kenya
    forget_cached_segments()


# --- The common words' postings -------------------------------------------------------------------


def saved_postings_of(index, reader, monkeypatch) -> saved_postings.SavedPostings:
    """The reader's segment's common words (those in half its documents or more) saved and read back."""
    monkeypatch.setattr(saved_postings, "COMMON_SHARE", 0.5)
    folder, segment_id = index.storage.folder, reader.segment().segment_id()
    saved_postings.save(folder, segment_id, reader, arrays._read_postings)
    return saved_postings.SavedPostings(folder, segment_id, reader.doc_count_all())


def same_postings(first, second) -> bool:
    return all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_a_large_segments_common_words_are_read_back_as_whoosh_holds_them(index, monkeypatch):
    searcher_, (large, _, small) = leaves(index)
    with searcher_:
        saved = saved_postings_of(index, large, monkeypatch)
        for field, word in (("title", "trade"), ("body", "trade"), ("body", "energi")):
            assert same_postings(saved.get(field, word), arrays._read_postings(large, field, word))
        assert len(saved.get("body", "trade")[0]) == 26  # two releases in three
        assert saved.get("title", "17") is None  # in one release: read from Whoosh
        assert saved.get("body", "whale") is None
        assert saved_postings_of(index, small, monkeypatch).get("body", "energi") is None  # a small segment


def test_searches_find_the_same_with_saved_postings_and_read_no_common_word_from_whoosh(index, monkeypatch):
    folder = index.storage.folder
    with index.searcher() as searcher_:
        forget_cached_segments()
        read = IndexArrays(searcher_)  # nothing saved
        expected = [read.postings("body", "trade"), read.postings("title", "talk")]
        for reader, _ in searcher_.reader().leaf_readers():
            saved_postings_of(index, reader, monkeypatch)
        forget_cached_segments()
        IndexArrays(searcher_, folder)  # the segments' arrays saved too
        forget_cached_segments()

        def only_rare_words(reader, field, text):
            in_segment = (field, text) in reader
            assert not in_segment or reader.doc_count_all() < saved_arrays.SAVED_FROM, f"{field}:{text} read"
            return real_read(reader, field, text)

        real_read = arrays._read_postings
        monkeypatch.setattr(arrays, "_read_postings", only_rare_words)
        loaded = IndexArrays(searcher_, folder)
        assert all(
            same_postings(found, wanted)
            for found, wanted in zip(
                [loaded.postings("body", "trade"), loaded.postings("title", "talk")], expected, strict=True
            )
        )
    forget_cached_segments()


def test_garbled_saved_postings_are_ignored_and_the_word_read_from_whoosh(index, monkeypatch, caplog):
    searcher_, (large, *_) = leaves(index)
    with searcher_:
        saved_postings_of(index, large, monkeypatch)
        path = saved_postings.postings_path(index.storage.folder, large.segment().segment_id())
        garbled = bytearray(open(path, "rb").read())
        garbled[8] ^= 0xFF  # the first word's second document
        with open(path, "wb") as file:
            file.write(garbled)
        saved = saved_postings.SavedPostings(index.storage.folder, large.segment().segment_id(), 40)
        with caplog.at_level(logging.WARNING, logger="articles.search.saved_postings"):
            words = [("body", "energi"), ("body", "trade"), ("title", "talk"), ("title", "trade")]
            found = [saved.get(field, word) for field, word in words]
        assert found.count(None) == 1 and "fail their check" in caplog.text
        assert all(
            same_postings(postings, arrays._read_postings(large, field, word))
            for postings, (field, word) in zip(found, words, strict=True)
            if postings is not None
        )
        # Shorter than its directory says (a copy cut short): none of it is trusted.
        with open(path, "wb") as file:
            file.write(garbled[:-4])
        assert (
            saved_postings.SavedPostings(index.storage.folder, large.segment().segment_id(), 40).get(
                "body", "trade"
            )
            is None
        )


def test_saved_postings_of_another_segment_or_layout_are_not_trusted(index, monkeypatch):
    folder = index.storage.folder
    searcher_, (first, second, _) = leaves(index)
    with searcher_:
        saved_postings_of(index, first, monkeypatch)
        first_id, second_id = first.segment().segment_id(), second.segment().segment_id()
        for path_of in (saved_postings.directory_path, saved_postings.postings_path):
            os.link(path_of(folder, first_id), path_of(folder, second_id))
        assert saved_postings.SavedPostings(folder, second_id, 40).get("body", "trade") is None
        assert saved_postings.SavedPostings(folder, first_id, 40).get("body", "trade") is not None
        monkeypatch.setattr(saved_postings, "LAYOUT_VERSION", saved_postings.LAYOUT_VERSION + 1)
        assert saved_postings.SavedPostings(folder, first_id, 40).get("body", "trade") is None


def test_segments_merged_away_take_their_saved_postings_with_them(index, monkeypatch):
    searcher_, (large, *_) = leaves(index)
    with searcher_:
        saved_postings_of(index, large, monkeypatch)
    assert [name for name in os.listdir(index.storage.folder) if ".postings." in name]
    index.optimize()
    assert not [name for name in os.listdir(index.storage.folder) if ".postings." in name]


def test_saved_postings_naming_documents_the_segment_lacks_are_not_trusted(index, monkeypatch, caplog):
    searcher_, (large, *_) = leaves(index)
    with searcher_:
        monkeypatch.setattr(saved_postings, "COMMON_SHARE", 0.5)

        def beyond_the_segment(reader, field, text):  # whole and checked, but another segment's
            ids, weights = arrays._read_postings(reader, field, text)
            return ids + reader.doc_count_all(), weights

        folder, segment_id = index.storage.folder, large.segment().segment_id()
        saved_postings.save(folder, segment_id, large, beyond_the_segment)
        with caplog.at_level(logging.WARNING, logger="articles.search.saved_postings"):
            assert saved_postings.SavedPostings(folder, segment_id, 40).get("body", "trade") is None
        assert "not the segment's" in caplog.text
