"""A damaged index: search answers 503 with a clear page, articles keep working, rebuild_index mends it."""
import io
import shutil

import pytest
from django.core.management import call_command

from articles.search.index import current_generation, forget_open_index


def delete_index_directory(generation):
    shutil.rmtree(generation)


def truncate_a_segment(generation):
    segment = max((p for p in generation.iterdir() if p.suffix in {".trm", ".pst", ".seg", ".col"}), key=lambda p: p.stat().st_size)
    segment.write_bytes(segment.read_bytes()[:7])


def remove_the_table_of_contents(generation):
    for toc in generation.glob("_MAIN_*.toc"):
        toc.unlink()


@pytest.mark.parametrize("damage", [delete_index_directory, truncate_a_segment, remove_the_table_of_contents])
def test_a_damaged_index_answers_503_and_rebuild_restores_it(archive, client, damage, caplog):
    articles = [archive.add(f"Release {n}", f"Kenya and Peru, number {n}.") for n in range(30)]
    forget_open_index()  # a worker starting after the damage, and one that was running before
    damage(current_generation())
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
