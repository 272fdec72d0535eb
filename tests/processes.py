"""Pressroom in other processes, on a data directory of its own: for tests that need real concurrency."""

import atexit
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent


def environment(data_dir: Path) -> dict:
    """The environment of a Pressroom on `data_dir`, with a database of its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PRESSROOM_", "DJANGO_", "DATABASE_URL", "SECRET_KEY"))
    }
    return {
        **env,
        **database_of_its_own(data_dir),
        "PRESSROOM_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "pressroom.settings",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "tests-only-" + data_dir.name * 4,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


_databases: dict[Path, dict] = {}
_made: list[tuple[str, str]] = []  # each database made: the server's URL it was made through, its name


@atexit.register
def _drop_databases_of_their_own():
    """The suite's PostgreSQL databases go with it, or every run would leave a few dozen behind."""
    if not _made:
        return
    import psycopg

    for server_url, name in _made:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_of_its_own(data_dir: Path, server_url: str | None = None) -> dict:
    """Nothing on SQLite (each data directory holds its own file); on PostgreSQL, when the
    suite runs against it (DATABASE_URL) or `server_url` names one, a new empty database."""
    url = server_url or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {}
    if data_dir not in _databases:
        import psycopg

        name = "pressroom_" + hashlib.blake2b(str(data_dir).encode(), digest_size=6).hexdigest()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        _databases[data_dir] = {"DATABASE_URL": urlsplit(url)._replace(path=f"/{name}").geturl()}
        _made.append((url, name))
    return _databases[data_dir]


def manage(data_dir: Path, *args, check=True, timeout=300) -> subprocess.CompletedProcess:
    return manage_with(environment(data_dir), *args, check=check, timeout=timeout)


def manage_with(env: dict, *args, check=True, timeout=300) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, with exactly this environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def children_of(pid: int) -> list[int]:
    """The processes `pid` started and that still run (read from /proc, as `ps` does)."""
    children = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        if int(fields[1]) == pid:
            children.append(int(status.parent.name))
    return children


def start_worker(data_dir: Path, name: str, *args) -> subprocess.Popen:
    """Run tests/workers/<name>.py in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", f"tests.workers.{name}", *map(str, args)],
        cwd=PROJECT,
        env=environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def new_archive(data_dir: Path, articles: int) -> None:
    manage(data_dir, "migrate", "--verbosity", "0")
    manage(data_dir, "rebuild_index", "--verbosity", "0")
    if articles:
        manage(data_dir, "generate_articles", articles, "--seed", 21, "--verbosity", "0")
