import datetime
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

from articles.ingest.parsing import ParsedArticle
from articles.search.generations import create_generation, make_current
from articles.search.searchers import forget_open_index
from articles.services import article_import

# Property tests: a few examples each in the suite ("ci"), many in `make fuzz` ("fuzz"), which
# keeps the failures it finds under var/ to try first next time. The suite's examples are the same
# every run (derandomized), so a run's verdict is about the change, not the draw; the search for
# new failures is `make fuzz`'s, whose finds become tests of their own. Every test has the autouse index
# fixture below, which a property test does not touch between examples.
_EXAMPLES = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
hypothesis_settings.register_profile("ci", max_examples=60, database=None, derandomize=True, **_EXAMPLES)
hypothesis_settings.register_profile(
    "fuzz",
    max_examples=3000,
    database=DirectoryBasedExampleDatabase(Path(__file__).resolve().parent.parent / "var" / "hypothesis"),
    **_EXAMPLES,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A release in the upload format as scraped from a paper's page (debris and source mark included),
# written here in the shape of the format's sample, so a clean clone needs nothing beside it.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def search_index(settings, tmp_path):
    """Each test gets a new, empty index on disk."""
    settings.PRESSROOM_INDEX_DIR = tmp_path / "index"
    forget_open_index()
    path, _ = create_generation()
    make_current(path)
    yield settings.PRESSROOM_INDEX_DIR
    forget_open_index()


class Archive:
    """Adds releases through the real import service and lets their commit reach the index."""

    def __init__(self, capture_on_commit):
        self._capture = capture_on_commit

    def add(self, title, body, published="2019-09-27", source=""):
        published = datetime.date.fromisoformat(published) if isinstance(published, str) else published
        paragraphs = tuple(p for p in body.split("\n\n") if p.strip())
        with self.committed():
            return article_import(parsed=ParsedArticle(title, published, paragraphs, source)).article

    @contextmanager
    def committed(self):
        """A block whose database writes reach the index when it ends, as after a real commit."""
        with self._capture(execute=True):
            yield
        connection.run_on_commit.clear()  # a real commit leaves no callbacks behind


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that Django's e-mail framework sends to."""
    from .smtp_server import SMTPServer

    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        settings.PRESSROOM_SITE_URL = "https://pressroom.example"
        yield server.collector


@pytest.fixture
def archive(db, django_capture_on_commit_callbacks):
    return Archive(django_capture_on_commit_callbacks)


def article_text(
    title="Minister visits Islamabad", date="27 Sep, 2019", body="Pakistan and China held talks.-PR"
):
    return f"{title}\n\n{date}\n\n{body}\n\nRead Comments\n"


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """Pressroom under gunicorn, started by `make serve` with a small demo archive."""
    from .serving import ServedPressroom

    server = ServedPressroom(tmp_path_factory.mktemp("served"), demo_articles=120)
    server.start()
    yield server
    server.stop()


# Found as `make test` finds it (which installs it where it may); missing, the browser tests fail,
# never skip: a suite that passed without them would not have tested the pages in a browser.
CHROMIUM = os.environ.get("PRESSROOM_CHROMIUM") or shutil.which("chromium")
CHROMIUM_MISSING = (
    "make test needs Debian's Chromium for the browser tests: run `sudo apt-get install chromium`"
    " (or `make test-fast` without them)"
)
SCREENSHOTS = Path(
    os.environ.get("PRESSROOM_SCREENSHOTS", Path(__file__).resolve().parent.parent / "var" / "screenshots")
)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (no browser download).

    Module-scoped: Playwright's sync API keeps an event loop running, and Django refuses
    database calls from a thread with a running loop, so the loop must end with the module.
    """
    from playwright.sync_api import sync_playwright

    if not (CHROMIUM and Path(CHROMIUM).exists()):
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
