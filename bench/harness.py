"""Shared pieces of the benchmarks: a Django set up on a data directory of its own, timing, reports."""

import datetime
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

# Words the generated articles use often: the benchmarks' queries are made of them.
QUERY_WORDS = (
    "trade",
    "energy",
    "climate",
    "health",
    "education",
    "investment",
    "security",
    "cooperation",
    "agreement",
    "delegation",
    "minister",
    "talks",
    "project",
    "scholarships",
    "technical",
    "regional",
    "bilateral",
    "memorandum",
    "tourism",
    "railways",
    "fisheries",
    "defence",
    "water",
    "food",
)
# Phrases the generated articles use, for the benchmarks' phrase searches.
QUERY_PHRASES = (
    "bilateral trade",
    "joint working group",
    "cyber security",
    "food security",
    "memorandum of understanding",
)


PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "results"


def setup_django(data_dir: Path):
    """Configure Django on a benchmark data directory (never the served archive in var/)."""
    os.environ["PRESSROOM_DATA_DIR"] = str(data_dir)
    os.environ.update(bench_secrets())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressroom.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(PROJECT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def bench_secrets() -> dict[str, str]:
    """What production settings require (SECRET_KEY, ALLOWED_HOSTS), for a benchmark's own server."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost"),
    }


def percentiles(samples_ms):
    ordered = sorted(samples_ms)

    def at(fraction):
        return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]

    return {
        "p50": statistics.median(ordered),
        "p95": at(0.95),
        "p99": at(0.99),
        "mean": statistics.fmean(ordered),
    }


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, value


def environment():
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        revision = "unknown"
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_revision": revision,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "libraries": {
            name: metadata.version(name) for name in ("Django", "Whoosh-Reloaded", "numpy", "gunicorn")
        },
    }


def save(name, payload):
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{stamp}-{name}.json"
    path.write_text(json.dumps({**environment(), **payload}, indent=2, default=str))
    return path


def print_table(headers, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in [headers, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                str(cell).rjust(width) if i else str(cell).ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )


def start_gunicorn(env: dict[str, str], port: int, probe: str = "/api/search"):
    """Pressroom under gunicorn with `env` on `port`: its process, its URL and the JSON of its first
    answer to `probe` (which also says it is serving). Its process group is stopped if it never answers."""
    server = subprocess.Popen(
        [
            str(PROJECT / ".venv" / "bin" / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "pressroom.wsgi",
        ],
        cwd=PROJECT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(url + probe, timeout=5) as response:
                return server, url, json.loads(response.read())
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError(f"gunicorn on port {port} did not start")
