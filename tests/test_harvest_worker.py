"""The task worker polls a registered source by itself, in a process of its own, from a real site."""

import subprocess
import sys

import pytest

from .local_site import LocalSite
from .processes import PROJECT, environment, manage, new_archive
from .test_harvesting import FRIDAY, TRADE, press_page, rss
from .waiting import eventually

# Out of process: `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

REGISTER = """
from articles.models import HarvestSource
print(HarvestSource.objects.create(name="MoFA", url="{url}/feed.rss", interval=5).pk)
"""
STATE = """
from articles.models import HarvestSource, Article
source = HarvestSource.objects.get(pk={pk})
batch = source.batches.order_by("pk").last()
state = batch.status if batch else "none"
print(state, batch and batch.created_count, Article.objects.count(), source.last_error or "ok")
"""


def shell(data_dir, code: str) -> str:
    """What the code prints, in a `manage.py shell` of the archive's own (the last line: the shell
    says first what it imported)."""
    return manage(data_dir, "shell", "-c", code).stdout.strip().splitlines()[-1]


def test_the_worker_polls_a_due_source_and_imports_its_pages(tmp_path):
    site = LocalSite().start()
    try:
        site.put("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        site.put("/press/trade", press_page("Pakistan and Kenya to deepen trade ties", "2019-09-27", TRADE))
        site.put("/feed.rss", rss(("Trade", "/press/trade", FRIDAY)), "application/rss+xml")
        data = tmp_path / "data"
        new_archive(data, 0)
        env = {**environment(data), "PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES": "1"}
        pk = shell(data, REGISTER.format(url=site.url))
        log = (tmp_path / "worker.log").open("w")  # read it when the test fails
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker"], cwd=PROJECT, env=env, stdout=log, stderr=log
        )
        try:
            state = eventually(
                lambda: shell(data, STATE.format(pk=pk)),
                lambda seen: seen.startswith("done"),
                what="the source's first batch",
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
        assert state == "done 1 1 ok"
        assert site.requested("/feed.rss")[0]["User-Agent"] == "Pressroom/1.0"
    finally:
        site.stop()
