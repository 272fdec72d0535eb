"""Pressroom in other processes, on a data directory of its own: for tests that need real concurrency."""
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def environment(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRESSROOM_", "DJANGO_"))}
    return {**env, "PRESSROOM_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "pressroom.settings", "LOG_LEVEL": "WARNING"}


def manage(data_dir: Path, *args, check=True, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=PROJECT, env=environment(data_dir), capture_output=True, text=True, check=check, timeout=timeout,
    )  # fmt: skip


def start_worker(data_dir: Path, name: str, *args) -> subprocess.Popen:
    """Run tests/workers/<name>.py in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", f"tests.workers.{name}", *map(str, args)],
        cwd=PROJECT, env=environment(data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def new_archive(data_dir: Path, articles: int) -> None:
    manage(data_dir, "migrate", "--verbosity", "0")
    manage(data_dir, "rebuild_index", "--verbosity", "0")
    if articles:
        manage(data_dir, "generate_articles", articles, "--seed", 21, "--verbosity", "0")
