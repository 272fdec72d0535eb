"""One poll of one source: fetch its feed or sitemap (conditionally), fetch the pages it lists, and
record them as an import batch whose processing (importing.py) gives one outcome per page; then
record how the poll went on the source, with back-off after a failure.

Which pages are fetched: those the source never listed, and those whose date in the listing
changed since they were fetched. A page listed with the same date as before is not fetched
again: the copy kept from then is read again, so it still gets its outcome (unchanged, unless an
editor's correction made the kept text an earlier version). New and changed pages come first,
and a poll takes at most PRESSROOM_HARVEST_MAX_ITEMS pages and PRESSROOM_HARVEST_POLL_SECONDS of
fetching (robots.txt, the listing and every page, together); the batch's note says what was left
for the next poll, which then fetches the listing in full.

The batch and the queueing of its processing are one transaction's: the processing is queued by
the batch's commit, so a worker killed after it, or a database that refuses the next write, leaves
no batch that nothing will process.

Nothing a source does stops the poll of another: its failure (DNS, a timeout, a 5xx answer, a
document that is not a feed) is recorded on the source as a sentence, and so is a defect of ours.
"""

import datetime
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ..importing import process_import_batch
from ..ingest.formats import ARTICLE_FORMATS
from ..ingest.web_pages import MAX_PAGE_BYTES
from ..models import HarvestedPage, HarvestSource, ImportBatch, ImportFile
from .fetching import Fetched, Fetcher, FetchFailed, OutOfTime
from .listings import MAX_LISTING_BYTES, BadListing, ListedPage, Listing, read_listing
from .robots import RobotsRules

logger = logging.getLogger(__name__)

MAX_SITEMAPS = 20  # of a sitemap index, read per poll
MAX_BACKOFF = datetime.timedelta(hours=24)
ORIGIN_PREFIX = "harvest: "
# What a harvested page is read as, by the type its server gives (else by its address's suffix).
_SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
}


@dataclass
class _Harvest:
    """What a poll found: the listing's answer, and the batch's files to record."""

    answer: Fetched
    listing: Listing | None = None
    files: list[ImportFile] = field(default_factory=list)
    fetched: list[tuple[ListedPage, ImportFile]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    complete: bool = True  # every new or changed page was taken

    @property
    def not_modified(self) -> bool:
        return self.answer.status == 304


def poll_source(source: HarvestSource, *, queue: bool = True) -> ImportBatch | None:
    """Poll `source` and record how it went on it; the batch of its pages, its processing queued
    (unless not `queue`: the caller processes it), or None when the listing had not changed, listed
    nothing, or could not be read. Never raises for the source's faults or a defect of ours."""
    started = timezone.now()
    try:
        # The budget is well within the hold a poll takes on its source (HarvestSource.HOLD_LAPSES_AFTER).
        with Fetcher(budget=settings.PRESSROOM_HARVEST_POLL_SECONDS) as fetcher:
            harvest = _harvest(source, fetcher)
        batch = _record(source, harvest, queue=queue)
    except (FetchFailed, BadListing) as error:
        _record_failure(source, str(error), started)
        return None
    except Exception as error:
        logger.exception("harvest source %s: the poll failed", source.pk)
        _record_failure(
            source,
            f"Pressroom could not poll this source ({type(error).__name__}); it has been logged.",
            started,
        )
        return None
    _record_success(source, harvest, started)
    return batch


def _harvest(source: HarvestSource, fetcher: Fetcher) -> _Harvest:
    robots = RobotsRules(fetcher)
    what = _what(source)
    robots.check(source.url, what)
    answer = fetcher.get(source.url, what=what, max_bytes=MAX_LISTING_BYTES, headers=_conditional(source))
    harvest = _Harvest(answer)
    if harvest.not_modified:
        return harvest
    harvest.listing = _read(answer, what)
    pages = list(harvest.listing.pages)
    if harvest.listing.sitemaps:
        pages += _pages_of_sitemaps(harvest.listing.sitemaps, fetcher, robots, harvest)
    if harvest.listing.unusable:
        harvest.notes.append(f"{harvest.listing.unusable:,} of its entries give no web address.")
    _take_pages(source, pages, fetcher, robots, harvest)
    return harvest


def _what(source: HarvestSource) -> str:
    return "sitemap" if source.kind.startswith("sitemap") else "feed"


def _conditional(source: HarvestSource) -> dict[str, str]:
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


def _read(answer: Fetched, what: str) -> Listing:
    try:
        return read_listing(answer.body, answer.url)
    except BadListing as error:
        raise BadListing(f"The {what} {error}") from error


def _pages_of_sitemaps(
    sitemaps, fetcher: Fetcher, robots: RobotsRules, harvest: _Harvest
) -> list[ListedPage]:
    """The pages of a sitemap index's sitemaps; one that cannot be read is noted, and the others read."""
    pages = []
    for number, url in enumerate(sitemaps[:MAX_SITEMAPS]):
        try:
            robots.check(url, "sitemap")
            listing = _read(fetcher.get(url, what="sitemap", max_bytes=MAX_LISTING_BYTES), "sitemap")
        except OutOfTime:
            harvest.complete = False
            harvest.notes.append(
                f"Fetching stopped at the poll's limit of {fetcher.budget:g} s; "
                f"{len(sitemaps[:MAX_SITEMAPS]) - number:,} of its sitemaps wait for the next poll."
            )
            break
        except (FetchFailed, BadListing) as error:
            harvest.notes.append(f"Its sitemap {url} was not read: {error}")
            continue
        if listing.sitemaps:
            harvest.notes.append(
                f"Its sitemap {url} is an index itself; indexes within indexes are not followed."
            )
        pages += listing.pages
    if len(sitemaps) > MAX_SITEMAPS:
        harvest.notes.append(f"Of its {len(sitemaps):,} sitemaps, the first {MAX_SITEMAPS} were read.")
    return pages


def _take_pages(source, pages: list[ListedPage], fetcher: Fetcher, robots: RobotsRules, harvest: _Harvest):
    """The batch's files: each new or changed page fetched, then each other page's kept copy."""
    distinct: dict[str, ListedPage] = {}
    for page in pages:  # two sitemaps of an index may list one page
        distinct.setdefault(page.url, page)
    pages = list(distinct.values())
    known = {seen.url: seen for seen in source.pages.select_related("copy")}
    changed = [page for page in pages if not _kept_copy(known.get(page.url), page)]
    same = [page for page in pages if _kept_copy(known.get(page.url), page)]
    cap = settings.PRESSROOM_HARVEST_MAX_ITEMS
    for taken, page in enumerate(changed[:cap]):
        try:
            harvest.files.append(_fetched_file(page, fetcher, robots, harvest))
        except OutOfTime:
            # Not a failure of the page's: it is not recorded, so the next poll fetches it as new.
            harvest.complete = False
            harvest.notes.append(
                f"Fetching stopped at the poll's limit of {fetcher.budget:g} s; "
                f"{len(changed) - taken:,} new or changed pages wait for the next poll."
            )
            break
    else:
        if len(changed) > cap:
            harvest.complete = False
            harvest.notes.append(
                f"It lists {len(changed):,} new or changed pages; a poll takes at most {cap:,}, "
                "and the next poll the others."
            )
    room = max(cap - len(changed), 0)
    for page in same[:room]:
        copy = known[page.url].copy
        harvest.files.append(
            ImportFile(name=copy.name, upload=copy.upload.name, size=copy.size, url=page.url)
        )
    if len(same) > room:
        harvest.notes.append(
            f"{len(same) - room:,} pages it lists as before were left out (a poll takes at most {cap:,})."
        )


def _kept_copy(seen: HarvestedPage | None, page: ListedPage) -> bool:
    """Whether the page is read from the copy kept when it was fetched: its listed date has not changed."""
    return (
        seen is not None and seen.copy_id is not None and bool(seen.copy.upload) and seen.stamp == page.stamp
    )


def _fetched_file(page: ListedPage, fetcher: Fetcher, robots: RobotsRules, harvest: _Harvest) -> ImportFile:
    """The page fetched and stored as an upload, or the reason it could not be, as a file of the batch."""
    try:
        robots.check(page.url, "page")
        answer = fetcher.get(page.url, what="page", max_bytes=MAX_PAGE_BYTES)
    except OutOfTime:
        raise
    except FetchFailed as error:
        return ImportFile(name=page_file_name(page.url, ".html"), url=page.url, fetch_failure=str(error))
    name = page_file_name(page.url, _suffix(answer))
    stored = ImportFile(name=name, url=page.url, size=len(answer.body))
    stored.upload.save(name, ContentFile(answer.body), save=False)
    harvest.fetched.append((page, stored))
    return stored


def _suffix(answer: Fetched) -> str:
    content_type = answer.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in _SUFFIXES:
        return _SUFFIXES[content_type]
    suffix = PurePosixPath(urlsplit(answer.url).path).suffix.lower()
    return suffix if suffix in ARTICLE_FORMATS else ".html"


def page_file_name(url: str, suffix: str) -> str:
    """A file name for a page, from its address: "mofa.example.gov-press-2019-trade.html"."""
    parts = urlsplit(url)
    path = parts.path
    if PurePosixPath(path).suffix.lower() in ARTICLE_FORMATS + (".php", ".aspx", ".asp", ".jsp"):
        path = path.rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{parts.hostname or ''}{path}?{parts.query}").strip("-.?")
    return f"{stem[:200] or 'page'}{suffix}"


def _record(source: HarvestSource, harvest: _Harvest, *, queue: bool) -> ImportBatch | None:
    """The batch of the poll's files, with what the source has fetched, and its processing queued,
    in one transaction."""
    if not harvest.files:
        return None
    now = timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            origin=f"{ORIGIN_PREFIX}{source.name}"[:40].rstrip(),
            harvest_source=source,
            note=" ".join(harvest.notes),
        )
        for import_file in harvest.files:
            import_file.batch = batch
        ImportFile.objects.bulk_create(harvest.files)
        for page, stored in harvest.fetched:
            HarvestedPage.objects.update_or_create(
                source=source, url=page.url, defaults={"stamp": page.stamp, "copy": stored, "fetched": now}
            )
        if queue:
            transaction.on_commit(lambda: process_import_batch.enqueue(batch.pk))
    return batch


def _record_success(source: HarvestSource, harvest: _Harvest, started) -> None:
    state = {
        "last_polled": started,
        "next_poll": started + datetime.timedelta(minutes=source.interval),
        "polling_since": None,
        "failures": 0,
        "failing_since": None,
        "last_error": "",
    }
    if not harvest.not_modified:
        state["kind"] = harvest.listing.kind
        # Left out when pages were left over: a "304 Not Modified" next time would hide them.
        headers = harvest.answer.headers if harvest.complete else {}
        state["etag"] = headers.get("etag", "")[:500]
        state["last_modified"] = headers.get("last-modified", "")[:100]
    HarvestSource.objects.filter(pk=source.pk).update(**state)


def _record_failure(source: HarvestSource, error: str, started) -> None:
    """Failing, with the reason; polled again after twice the interval for each failure in a row."""
    failures = source.failures + 1
    longest = max(MAX_BACKOFF, datetime.timedelta(minutes=source.interval))
    wait = min(datetime.timedelta(minutes=source.interval) * 2 ** min(failures, 20), longest)
    logger.warning("harvest source %s failed (%s in a row): %s", source.pk, failures, error)
    HarvestSource.objects.filter(pk=source.pk).update(
        last_polled=started,
        next_poll=started + wait,
        polling_since=None,
        failures=failures,
        failing_since=source.failing_since or started,
        last_error=error,
    )
