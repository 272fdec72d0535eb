import datetime
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from articles.ingest.parsing import ParsedArticle
from articles.search.index import create_generation, forget_open_index, make_current
from articles.services import article_import

SHARED_SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"


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
def archive(db, django_capture_on_commit_callbacks):
    return Archive(django_capture_on_commit_callbacks)


def release_text(title="Minister visits Islamabad", date="27 Sep, 2019", body="Pakistan and China held talks.-PR"):
    return f"{title}\n\n{date}\n\n{body}\n\nRead Comments\n"


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """Pressroom under gunicorn, started by `make serve` with a small demo archive."""
    from .serving import ServedPressroom

    server = ServedPressroom(tmp_path_factory.mktemp("served"), demo_articles=120)
    server.start()
    yield server
    server.stop()
