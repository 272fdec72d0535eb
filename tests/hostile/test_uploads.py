"""Nasty files through both admin forms of a gunicorn Pressroom, processed by its real task worker.

Every upload must get a clear answer (never a 5xx), every batch must end within a time limit,
every failed release must say why, the valid neighbours of a bad record must be imported,
the pages showing what was imported must stay well-formed, and the task worker must live on.
"""

import html
import json
import re
import time

import pytest

from .checks import problems
from .files import FILES, GOOD, MARK
from .web import encode

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

BATCH_SECONDS = 60  # the whole corpus, one batch after another, by one task worker
UPLOAD = "/admin/articles/article/upload/"
IMPORT = "/admin/articles/article/import/"


@pytest.fixture(scope="module")
def office(site):
    site.create_superuser()
    return {
        "client": site.signed_in(),
        "stored": site.stored_article_count(),
        "task_worker": site.task_worker(),
        "processes": site.processes(),
    }


def batch_page(client, batch_id) -> dict:
    page = client.get(f"/admin/articles/importbatch/{batch_id}/change/")
    fields = dict(
        re.findall(r'<div class="form-row field-(\w+)">.*?<div class="readonly">(.*?)</div>', page.text, re.S)
    )
    return {
        "http": page.status,
        **{name: html.unescape(re.sub(r"<[^>]+>", "", value)).strip() for name, value in fields.items()},
    }


def batch_items(client, batch_id) -> list[dict]:
    page = client.get(f"/admin/articles/importitem/?batch__id__exact={batch_id}&all=")
    rows = re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
    items = []
    for row in rows:
        cells = dict(re.findall(r'<t[dh] class="field-(\w+)"[^>]*>(.*?)</t[dh]>', row, re.S))
        if "outcome" in cells:
            article = re.search(r"/admin/articles/article/(\d+)/change/", cells.get("article_link", ""))
            items.append(
                {
                    "where": html.unescape(re.sub(r"<[^>]+>", "", cells.get("location", ""))).strip(),
                    "outcome": html.unescape(cells["outcome"]).strip().lower(),
                    "reason": html.unescape(re.sub(r"<[^>]+>", "", cells.get("reason", ""))).strip(),
                    "article": int(article[1]) if article else None,
                }
            )
    return items


def form_message(page_text: str) -> str:
    """The form's error, or the success message, as the officer reads it."""
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page_text, re.S)
    messages = re.findall(r'<ul class="messagelist">(.*?)</ul>', page_text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(errors + messages))).strip()


def import_upload(client, nasty) -> dict:
    """Upload through "Import releases"; the batch it queued, or the form's refusal."""
    answer = client.post(IMPORT, files=[("files", nasty.name, nasty.content)])
    batch = re.search(r"/admin/articles/importbatch/(\d+)/change/", answer.header("Location"))
    message = "" if batch else form_message(answer.text)
    return {"answer": answer, "batch": int(batch[1]) if batch else None, "message": message, "errors": []}


def wait_for(client, batch_ids, seconds) -> dict:
    """Poll each batch page until it says Done, or the time is up; the last page of each."""
    deadline, pages = time.monotonic() + seconds, {}
    waiting = set(batch_ids)
    while waiting and time.monotonic() < deadline:
        for batch_id in sorted(waiting):
            pages[batch_id] = batch_page(client, batch_id)
            if pages[batch_id].get("status") == "Done":
                waiting.discard(batch_id)
        time.sleep(0.5)
    return pages


@pytest.fixture(scope="module")
def imports(site, office):
    """Every nasty file through "Import releases", one upload each, then every batch waited for."""
    client = office["client"]
    uploads = {}
    for nasty in FILES:
        logged = len(site.server_errors())
        uploads[nasty.label] = import_upload(client, nasty)
        uploads[nasty.label]["errors"] = site.server_errors()[logged:]
    started = time.monotonic()
    pages = wait_for(client, [u["batch"] for u in uploads.values() if u["batch"]], BATCH_SECONDS)
    for upload in uploads.values():
        if upload["batch"]:
            upload["page"] = pages[upload["batch"]]
            upload["items"] = batch_items(client, upload["batch"])
    uploads["_seconds"] = time.monotonic() - started
    return uploads


@pytest.mark.parametrize("nasty", FILES, ids=str)
def test_import_releases_form(site, imports, nasty):
    upload = imports[nasty.label]
    answer = upload["answer"]
    assert answer.status < 500, f"{answer.status}; server: {upload['errors']}"
    if not upload["batch"]:
        assert answer.status == 200 and upload["message"], (
            f"no batch and no message: {answer.status} {answer.text[:300]}"
        )
        return
    page = upload["page"]
    assert page.get("status") == "Done", (
        f"batch {upload['batch']} still {page.get('status')} ({page.get('progress')}) "
        f"after {imports['_seconds']:.0f}s; "
        f"failed import tasks so far: {site.task_errors()}"
    )
    assert upload["items"], f"batch {upload['batch']} recorded no release: {page}"
    silent = [item for item in upload["items"] if item["outcome"] == "failed" and not item["reason"]]
    assert not silent, f"failed without a reason: {silent}"
    if nasty.good is not None:
        imported = [item for item in upload["items"] if item["outcome"] != "failed"]
        assert len(imported) >= nasty.good, f"valid neighbours lost: {upload['items']}"


@pytest.mark.parametrize("nasty", FILES, ids=str)
def test_upload_a_release_form(site, office, imports, nasty):
    """The single-release form answers while the officer waits: the release added, or why it was not."""
    client = office["client"]
    logged = len(site.server_errors())
    answer = client.post(UPLOAD, files=[("release", nasty.name, nasty.content)])
    assert answer.status < 500, f"{answer.status}; server: {site.server_errors()[logged:]}"
    if answer.status in (301, 302, 303):
        page = client.follow(answer)
        # One release is added at once; a file of several becomes an import batch, processed like any other.
        said = form_message(page.text)
        assert page.status == 200 and re.search(
            r"(Added|Updated|Already in the archive|became import batch \d+)", said
        ), page.text[:500]
        if batch := re.search(r"became import batch (\d+)", said):
            finished = wait_for(client, [int(batch[1])], 60)[int(batch[1])]
            assert finished.get("status") == "Done", (
                f"batch {batch[1]} is {finished.get('status')} ({finished.get('progress')})"
            )
    else:
        assert answer.status == 200 and form_message(answer.text), (
            f"no message: {answer.status} {answer.text[:500]}"
        )


def test_a_form_without_a_file_says_so(office):
    for path in (UPLOAD, IMPORT):
        answer = office["client"].post(path)
        assert answer.status == 200 and form_message(answer.text), (path, answer.status)


def test_a_thousand_and_one_files_are_refused_not_crashed(office):
    answer = office["client"].post(IMPORT, files=[("files", f"{i}.txt", b"x") for i in range(1001)])
    assert 400 <= answer.status < 500, answer.status


def uploaded_articles(imports) -> set[int]:
    return {
        item["article"]
        for upload in imports.values()
        if isinstance(upload, dict)
        for item in upload.get("items", ())
        if item["article"]
    }


def test_pages_showing_the_uploads_stay_well_formed(site, office, imports):
    expected = {
        "/": "text/html",
        "/api/search": "application/json",
        "/feed/": "application/atom+xml",
        "/export.csv": "text/csv",
    }
    paths = [(path, kind) for path, kind in expected.items()]
    paths += [(f"{path}?q={MARK}", kind) for path, kind in expected.items()]
    paths += [(f"{path}?q={MARK}&sort=newest&page=2", kind) for path, kind in expected.items()]
    paths += [
        ("/sitemap.xml", "application/xml"),
        ("/sitemap-articles.xml", "application/xml"),
        (f"/api/suggest?q={MARK}", None),
    ]
    for article in sorted(uploaded_articles(imports)):
        paths += [(f"/articles/{article}/", None), (f"/api/articles/{article}", "application/json")]
        paths += [(f"/admin/articles/article/{article}/change/", "text/html")]
    paths += [
        ("/admin/articles/article/", "text/html"),
        ("/admin/articles/importbatch/", "text/html"),
        ("/admin/articles/importitem/", "text/html"),
        (f"/admin/articles/article/?q={encode(MARK)}", "text/html"),
    ]
    reports = []
    for path, kind in paths:
        answer = office["client"].follow(office["client"].get(path))
        found = problems(answer, expect_type=kind)
        if found:
            reports.append(f"{path}: {'; '.join(found)}")
    assert not reports, "\n  ".join(
        [f"{len(reports)} bad pages:", *reports, "server:", *sorted(set(site.server_errors()))[-20:]]
    )


def test_nothing_lost_and_the_task_worker_lives_on(site, office, imports):
    """Last: after every nasty upload, a plain one still imports, and every counted release is there."""
    client = office["client"]
    upload = import_upload(client, GOOD)
    assert upload["batch"], upload["message"]
    page = wait_for(client, [upload["batch"]], 60)[upload["batch"]]
    assert page.get("status") == "Done", f"a plain batch after the nasty ones did not finish: {page}"
    assert site.task_worker() == office["task_worker"], "the task worker died or was replaced"
    assert site.processes() == office["processes"], (
        "a web worker died or was replaced (killed by its timeout?)"
    )
    created = [
        i
        for u in imports.values()
        if isinstance(u, dict)
        for i in u.get("items", ())
        if i["outcome"] == "created"
    ]
    stored = site.stored_article_count()
    # Single-form uploads add articles too; every created one must still be stored, none doubled.
    assert stored >= office["stored"] + len(created) + 1
    assert site.indexed_article_count() == stored, "the index lost or doubled releases"
    health = client.get("/healthz")
    assert health.status == 200 and json.loads(health.body)["status"] == "ok", health.text
    checked = site.check_index()
    assert checked.returncode == 0, checked.stdout + checked.stderr


ADMIN_LISTS = {
    "/admin/articles/article/": (
        "q",
        "o",
        "p",
        "published__year",
        "published__month",
        "published__day",
        "published__gte",
        "countries__code__exact",
        "chosen",
        "all",
        "_to_field",
        "_popup",
    ),
    "/admin/articles/importbatch/": ("q", "o", "status__exact", "origin__exact"),
    "/admin/articles/importitem/": ("q", "batch__id__exact", "outcome__exact", "p"),
    "/admin/articles/country/": ("q", "o"),
    "/admin/autocomplete/": ("term",),
}
AUTOCOMPLETE = "app_label=articles&model_name=articlecountry&field_name=country"


def test_admin_pages_with_hostile_parameters(site, office, imports):
    """An editor's lists and searches: a bad parameter is a message or an empty list, never a 500."""
    from .test_http import send_all
    from .values import NUMBERS_AND_DATES, SHARPEST

    requests = []
    for path, parameters in ADMIN_LISTS.items():
        for parameter in parameters:
            for nasty in SHARPEST + NUMBERS_AND_DATES:
                extra = f"&{AUTOCOMPLETE}" if path == "/admin/autocomplete/" else ""
                requests.append(
                    (
                        f"{path}?{parameter}={nasty.label}",
                        "GET",
                        f"{path}?{parameter}={encode(nasty.value)}{extra}",
                        None,
                    )
                )
    for odd in ("0", "-1", str(10**20), "01", "abc", "%00", "%ED%A0%80", "1%0d%0aX-Injected:%20yes"):
        for template in (
            "/admin/articles/article/{}/change/",
            "/admin/articles/importbatch/{}/change/",
            "/admin/articles/importbatch/file/{}/",
            "/admin/articles/importitem/{}/change/",
            "/admin/articles/article/{}/history/",
            "/admin/articles/article/{}/delete/",
        ):
            requests.append((template.format(odd), "GET", template.format(odd), None))
    reports = send_all(site, requests, client=office["client"])
    assert not reports, (
        f"{len(reports)} bad answers:\n  "
        + "\n  ".join(reports)
        + "\nserver:\n  "
        + "\n  ".join(sorted(set(site.server_errors()))[-20:])
    )
