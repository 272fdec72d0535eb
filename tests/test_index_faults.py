"""A damaged index: search answers 503 with a clear page, articles keep working, rebuild_index mends it."""

import io
import queue
import shutil
import threading

import pytest
from django.core.management import call_command

from articles.search import IndexUnavailable, SearchRequest, index_version, parse_user_query, search_articles
from articles.search.generations import current_generation
from articles.search.searchers import forget_open_index

from .index_files import what_readers_read, what_they_hold_now
from .waiting import DEADLINE_SECONDS


def delete_index_directory(generation):
    shutil.rmtree(generation)


def truncate_a_segment(generation):
    segment = max(
        (p for p in generation.iterdir() if p.suffix in {".trm", ".pst", ".seg", ".col"}),
        key=lambda p: p.stat().st_size,
    )
    segment.write_bytes(segment.read_bytes()[:7])


def garble_the_terms(generation):
    for terms in generation.glob("*.trm"):
        terms.write_bytes(bytes(byte ^ 0x5A for byte in terms.read_bytes()))


def remove_the_table_of_contents(generation):
    for toc in generation.glob("_MAIN_*.toc"):
        toc.unlink()


@pytest.mark.parametrize("damage", [delete_index_directory, truncate_a_segment, remove_the_table_of_contents])
def test_a_damaged_index_answers_503_and_rebuild_restores_it(archive, client, damage, caplog):
    articles = [archive.add(f"Release {n}", f"Kenya and Peru, number {n}.") for n in range(30)]
    forget_open_index()  # a worker starting after the damage, and one that was running before
    read = what_readers_read(current_generation())
    damage(current_generation())
    assert what_they_hold_now(read) != read, "the damage left every file a reader reads as it was"
    forget_open_index()

    page = client.get("/", {"q": "kenya"})
    assert page.status_code == 503
    assert "Search is unavailable for a moment" in page.content.decode()
    api = client.get("/api/search", {"q": "kenya"})
    assert api.status_code == 503 and "unavailable" in api.json()["error"]
    assert client.get(articles[0].get_absolute_url()).status_code == 200
    assert "rebuild_index" in caplog.text

    call_command("rebuild_index", stdout=io.StringIO(), stderr=io.StringIO())
    assert client.get("/api/search", {"q": "kenya"}).json()["count"] == 30


class SearchingThread(threading.Thread):
    """A thread that keeps its searcher between searches, as a gunicorn thread does."""

    def __init__(self):
        super().__init__(daemon=True)
        self.asked, self.answers = queue.Queue(), queue.Queue()

    def run(self):
        while self.asked.get():
            try:
                search_articles(SearchRequest(parse_user_query("kenya")))
                index_version()
                self.answers.put("ok")
            except IndexUnavailable:
                self.answers.put("unavailable")
            except Exception as error:
                self.answers.put(f"{type(error).__name__}: {error}")

    def search(self):
        self.asked.put(True)
        return self.answers.get(timeout=DEADLINE_SECONDS)


@pytest.mark.parametrize("damage", [delete_index_directory, truncate_a_segment, garble_the_terms])
def test_threads_that_searched_before_the_damage_say_so_until_a_rebuild_mends_it(archive, damage):
    for n in range(30):
        archive.add(f"Release {n}", "Nothing to see here.")
    threads = [SearchingThread() for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        assert [thread.search() for thread in threads] == ["ok"] * 4
        read = what_readers_read(current_generation())
        damage(current_generation())
        assert what_they_hold_now(read) != read, "the damage left every file a reader reads as it was"
        assert [thread.search() for thread in threads] == ["unavailable"] * 4
        assert [thread.search() for thread in threads] == ["unavailable"] * 4

        call_command("rebuild_index", stdout=io.StringIO(), stderr=io.StringIO())
        assert [thread.search() for thread in threads] == ["ok"] * 4
    finally:
        for thread in threads:
            thread.asked.put(False)
