"""Segments' arrays: built once per process, outside the lock, and kept within a byte budget."""

import sys
import threading

from articles.search import arrays
from articles.search.arrays import IndexArrays, SegmentArrays
from articles.search.budgets import budgets_for
from articles.search.process_index import open_index
from articles.search.segment_cache import SegmentCache

from .waiting import DEADLINE_SECONDS, eventually


def commit_segment(*countries):
    """A new segment in the live index, one release naming each of the countries, unmerged."""
    writer = open_index().writer()
    for number, country in enumerate(countries):
        writer.add_document(
            id=f"{country}{number}", title="Trade talks", body="Talks.", published=20190927, countries=country
        )
    writer.commit(merge=False)


def segment_readers():
    """A reader per segment of the live index, oldest first."""
    return [reader for reader, _ in open_index().reader().leaf_readers()]


def slow_for(reader, building: threading.Event, release: threading.Event):
    """A builder of SegmentArrays that, for this one segment, says it started and waits to be let go."""
    slow_id = reader.segment().segment_id()

    def build(any_reader, folder=None):
        if any_reader.segment().segment_id() == slow_id:
            building.set()
            assert release.wait(DEADLINE_SECONDS)
        return SegmentArrays(any_reader, folder)

    return build


def in_thread(function, *args):
    """Run function(*args) in a thread; returns the thread and the list its result goes in."""
    results = []
    thread = threading.Thread(target=lambda: results.append(function(*args)), daemon=True)
    thread.start()
    return thread, results


def test_a_search_of_segments_already_read_is_not_kept_waiting_by_another_segments_build(monkeypatch):
    commit_segment("PK")
    earlier_version = open_index().searcher()  # a thread's version of the index, one segment
    commit_segment("KE", "PE")  # a second segment, as a commit writes
    old, new = segment_readers()
    building, release = threading.Event(), threading.Event()
    monkeypatch.setattr(arrays, "_segments", SegmentCache(slow_for(new, building, release), 2**30))
    arrays._segment_arrays(old, None)  # read by an earlier search

    latest_version = open_index().searcher()
    builder, _ = in_thread(IndexArrays, latest_version)  # the new version: reads the new segment
    assert building.wait(DEADLINE_SECONDS)
    reading, seen = in_thread(IndexArrays, earlier_version)
    reading.join(DEADLINE_SECONDS)
    assert seen and seen[0].country_codes == ["PK"]
    assert builder.is_alive()  # the build was still under way all along

    release.set()
    builder.join(DEADLINE_SECONDS)
    assert old.segment().segment_id() in arrays._segments and new.segment().segment_id() in arrays._segments
    earlier_version.close()
    latest_version.close()


def test_a_segment_two_threads_need_at_once_is_built_once():
    commit_segment("PK", "IN")
    (segment,) = segment_readers()
    building, release = threading.Event(), threading.Event()
    builds = []
    slow = slow_for(segment, building, release)
    cache = SegmentCache(lambda reader: builds.append(reader) or slow(reader), 2**30)

    first, first_got = in_thread(cache.get, segment)
    assert building.wait(DEADLINE_SECONDS)
    second, second_got = in_thread(cache.get, segment)
    eventually(
        lambda: waiting_on_an_event(second), what="the second thread waits for the first's build", every=0.001
    )
    release.set()
    first.join(DEADLINE_SECONDS)
    second.join(DEADLINE_SECONDS)
    assert len(builds) == 1 and first_got[0] is second_got[0]


def test_a_build_that_fails_leaves_the_next_thread_to_build_the_segment_itself():
    commit_segment("PK")
    (segment,) = segment_readers()
    attempts = []

    def failing_once(reader):
        attempts.append(reader)
        if len(attempts) == 1:
            raise OSError("cut short")
        return SegmentArrays(reader)

    cache = SegmentCache(failing_once, 2**30)
    try:
        cache.get(segment)
    except OSError:
        pass
    assert cache.get(segment).country_codes == ["PK"] and len(attempts) == 2


def test_segments_beyond_the_byte_budget_are_dropped_least_recently_used_first():
    for country in ("PK", "KE", "PE"):
        commit_segment(country, country)
    first, second, third = segment_readers()
    each = SegmentArrays(first).nbytes
    assert each > 0 and all(SegmentArrays(reader).nbytes == each for reader in (second, third))
    cache = SegmentCache(SegmentArrays, budget=2 * each)  # two fit, not three

    cache.get(first)
    cache.get(second)
    cache.get(first)  # now the second is the least recently used
    cache.get(third)
    assert first.segment().segment_id() in cache and third.segment().segment_id() in cache
    assert second.segment().segment_id() not in cache
    assert cache.used == 2 * each


def test_the_process_keeps_segments_by_bytes_for_the_largest_index_it_searched(monkeypatch):
    monkeypatch.setattr(arrays._segments, "budget", budgets_for(0).segment_arrays)
    monkeypatch.setattr(arrays._postings_cache, "budget", budgets_for(0).postings)
    arrays._follow_the_archive(2_000_000)
    grown = budgets_for(2_000_000)
    assert (arrays._segments.budget, arrays._postings_cache.budget) == (grown.segment_arrays, grown.postings)
    arrays._follow_the_archive(10)  # a percolator's few releases
    assert (arrays._segments.budget, arrays._postings_cache.budget) == (grown.segment_arrays, grown.postings)


def test_a_segment_built_while_the_cache_is_forgotten_is_not_kept():
    commit_segment("PK")
    (segment,) = segment_readers()
    building, release = threading.Event(), threading.Event()
    cache = SegmentCache(slow_for(segment, building, release), 2**30)

    builder, built = in_thread(cache.get, segment)
    assert building.wait(DEADLINE_SECONDS)
    cache.forget()  # damage found meanwhile: what is being read may be wrong
    release.set()
    builder.join(DEADLINE_SECONDS)
    assert built and segment.segment().segment_id() not in cache and cache.used == 0


def waiting_on_an_event(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code is threading.Event.wait.__code__:
            return True
        frame = frame.f_back
    return False
