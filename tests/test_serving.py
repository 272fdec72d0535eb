"""`make serve` end to end: gunicorn, SQLite and the index under the data directory."""

import json
import re
import urllib.request

import pytest

from .serving import ServedPressroom

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_make_serve_serves_the_demo_archive(served):
    status, headers, body = fetch(served.url + "/api/search")
    data = json.loads(body)
    assert status == 200
    assert data["count"] == 120
    assert len(data["facets"]["countries"]) >= 20
    status, _, html = fetch(served.url + "/?q=trade&sort=newest")
    assert status == 200 and "<mark>" in html


def test_state_lives_in_the_data_directory(served):
    data_dir = served.log.parent
    # The database too, unless the suite runs on PostgreSQL (DATABASE_URL).
    assert (data_dir / "pressroom.sqlite3").exists() == ("DATABASE_URL" not in served.env)
    assert (data_dir / "index" / "current").is_symlink()
    assert (data_dir / "static").is_dir()


def test_static_files_are_served_with_long_caching(served):
    _, _, html = fetch(served.url + "/")
    stylesheet = re.search(r'href="(/static/css/pressroom\.[0-9a-f]+\.css)"', html).group(1)
    status, headers, css = fetch(served.url + stylesheet)
    assert status == 200 and ".hit" in css
    assert "max-age=315360000" in headers["Cache-Control"]


def test_article_pages_and_friendly_errors_under_gunicorn(served):
    _, _, body = fetch(served.url + "/api/search?sort=oldest")
    first = json.loads(body)["results"][0]
    status, _, html = fetch(first["url"].replace("http://127.0.0.1:" + str(served.port), served.url))
    assert status == 200 and first["title"].split()[0] in html
    status, _, html = fetch(served.url + "/articles/999999/nothing/")
    assert status == 404 and "We could not find that page" in html
    assert "Traceback" not in html


def test_a_second_make_serve_reuses_the_archive_and_starts_quickly(served, tmp_path):
    second = ServedPressroom(served.log.parent, demo_articles=120)
    served.stop()
    try:
        seconds = second.start()
        _, _, body = fetch(second.url + "/api/search")
        assert json.loads(body)["count"] == 120  # nothing generated twice
        # The README's promise ("serving within seconds", 2 s measured), with room for a loaded machine.
        assert seconds < 20, f"took {seconds:.1f}s to serve again"
    finally:
        second.stop()
        served.start()
