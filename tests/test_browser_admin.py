"""A press officer's bulk upload in a real browser, processed by the background worker `make serve` runs."""

import io
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, article_text
from .processes import PROJECT, environment
from .serving import ServedPressroom

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("office")
    server = ServedPressroom(data_dir, demo_articles=10)
    server.start()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "officer",
            "--email",
            "o@example.org",
        ],
        cwd=PROJECT,
        env={**environment(data_dir), "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    yield server
    server.stop()


def test_uploading_several_files_through_the_admin(browser, office, tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(
            "week/monday.txt", article_text(title="Monday briefing on Kenya", body="Kenya and Peru met.")
        )
        zipped.writestr("week/tuesday.txt", article_text(title="Tuesday note", date="not a date"))
    (tmp_path / "week.zip").write_bytes(archive.getvalue())
    (tmp_path / "list.csv").write_text(
        "title,date,body,countries\nCSV release on fisheries,2021-03-04,Fisheries talks.,NO\n"
    )

    page = browser.new_page()
    page.goto(office.url + "/admin/articles/article/import/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Import releases")
    page.get_by_label("Files").set_input_files([tmp_path / "week.zip", tmp_path / "list.csv"])
    page.get_by_role("button", name="Import").click()

    expect(page.locator(".messagelist")).to_contain_text("is queued")
    # The batch page refreshes itself while the worker runs.
    expect(page.locator(".field-status")).to_contain_text("Done", timeout=60_000)
    expect(page.locator(".field-progress")).to_contain_text("3 of 3 releases")
    expect(page.locator(".field-outcomes")).to_contain_text("2 created")
    expect(page.locator(".field-outcomes")).to_contain_text("1 failed")
    page.screenshot(path=SCREENSHOTS / "admin-import-batch.png", full_page=True)

    page.locator(".field-outcomes a", has_text="1 failed").click()
    expect(page.locator("#result_list")).to_contain_text("Line 3 should be the publication date")
    page.goto(office.url + "/?q=fisheries")
    expect(page.locator(".hit h2")).to_have_text(["CSV release on fisheries"])
    page.close()


def test_an_editor_sees_the_weights_and_corrects_the_countries(browser, office, tmp_path):
    path = tmp_path / "release.txt"
    path.write_text(
        article_text(
            title="Kenya water talks", body="Kenya and Peru discussed water on Monday. The talks went on.-PR"
        )
    )
    page = browser.new_page()
    page.goto(office.url + "/admin/articles/article/upload/")
    if page.get_by_label("Username").count():
        page.get_by_label("Username").fill("officer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.get_by_label("Release").set_input_files(path)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messagelist")).to_contain_text("Added “Kenya water talks”")

    # Every country found, with its weight; the tags below, with theirs.
    expect(page.locator(".field-countries_found")).to_contain_text("KE 5")
    expect(page.locator(".field-countries_found")).to_contain_text("PE 2")
    tags = page.locator("#country_tags-group")
    expect(tags.locator("tr.has_original")).to_have_count(2)

    # Peru out, Tanzania in.
    peru = tags.locator("tr.has_original", has_text="Peru")
    peru.locator("input[type=checkbox][name$=DELETE]").check()
    tags.locator("tr.form-row:not(.has_original) .select2-selection").first.click()
    page.locator(".select2-search__field").fill("Tanz")
    page.locator(".select2-results__option", has_text="Tanzania").click()
    page.screenshot(path=SCREENSHOTS / "admin-countries-before-save.png", full_page=True)
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#country_choices-group")).to_contain_text("Peru")
    expect(page.locator("#country_choices-group")).to_contain_text("Tanzania")
    page.screenshot(path=SCREENSHOTS / "admin-countries.png", full_page=True)
    page.goto(office.url + "/?country=TZ")
    expect(page.locator(".hit h2")).to_have_text(["Kenya water talks"])
    page.goto(office.url + "/?country=PE&q=water")
    expect(page.locator(".hit h2")).to_have_count(0)
    page.close()


def press_office_week() -> bytes:
    """A ZIP as a press office sends a week of releases: Word, PDF, a saved page, an e-mail, a scan."""
    from .test_email import MINISTRY_RELEASE
    from .test_pdf import pdf_document, scanned_page
    from .test_word import word_document

    page = """<!doctype html><html><head><meta charset="utf-8"><title>Fisheries | Ministry</title>
<meta property="article:published_time" content="2021-03-05"></head><body>
<nav><a href="/">Home</a> <a href="/press">Press</a></nav>
<article><h1>Norway and Iceland share cod quotas</h1>
<p>REYKJAVIK - Norway and Iceland agreed on the cod quotas for the coming season.</p></article>
<div class="comments"><a href="#c">Read Comments</a></div>
<footer>All rights reserved.</footer></body></html>"""
    files = {
        "week/water.docx": word_document(
            "3 March 2021",
            "NAIROBI - Kenya and Peru signed a water accord on the shared use of river data.",
            heading="Kenya and Peru sign a water accord",
            footer=["Page 1 of 1"],
        ),
        "week/ports.pdf": pdf_document(
            ["4 March 2021", "SANTIAGO - Chile opened two new ports to Pacific trade on Thursday."],
            heading="Chile opens two new ports",
            footer="Page {n} of {nb}",
        ),
        "week/fisheries.html": page.encode(),
        "week/trade.eml": MINISTRY_RELEASE,
        "week/scan.pdf": scanned_page(),
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return archive.getvalue()


def test_a_week_of_mixed_files_is_imported_and_a_reader_downloads_an_attachment(browser, office, tmp_path):
    from .test_email import PHOTO

    (tmp_path / "week.zip").write_bytes(press_office_week())
    page = browser.new_page()
    page.goto(office.url + "/admin/articles/article/import/")
    if page.get_by_label("Username").count():
        page.get_by_label("Username").fill("officer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.get_by_label("Files").set_input_files(tmp_path / "week.zip")
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".field-status")).to_contain_text("Done", timeout=60_000)
    expect(page.locator(".field-progress")).to_contain_text("5 of 5 releases")
    expect(page.locator(".field-outcomes")).to_contain_text("4 created")
    expect(page.locator(".field-outcomes")).to_contain_text("1 failed")
    page.screenshot(path=SCREENSHOTS / "admin-import-mixed-formats.png", full_page=True)
    page.locator(".field-outcomes a", has_text="1 failed").click()
    expect(page.locator("#result_list")).to_contain_text("member week/scan.pdf")
    expect(page.locator("#result_list")).to_contain_text("OCR")
    page.close()

    reader = browser.new_context(accept_downloads=True)  # signed out: a reader
    page = reader.new_page()
    page.goto(office.url + "/?q=cod+quotas")
    expect(page.locator(".hit h2")).to_have_text(["Norway and Iceland share cod quotas"])
    page.goto(office.url + "/?q=ports+pacific")
    expect(page.locator(".hit h2")).to_have_text(["Chile opens two new ports"])
    page.goto(office.url + "/?q=%22air+link%22+Karachi")
    page.locator(".hit h2 a").first.click()
    expect(page.locator("h1")).to_have_text("Pakistan and Kenya agree to deepen trade ties")
    attachments = page.locator(".attachments")
    expect(attachments).to_contain_text("minister-in-nairobi.jpg (JPG, 1.0")
    page.screenshot(path=SCREENSHOTS / "release-attachments.png", full_page=True)
    with page.expect_download() as download:
        attachments.get_by_role("link", name="minister-in-nairobi.jpg").click()
    assert download.value.suggested_filename == "minister-in-nairobi.jpg"
    download.value.save_as(tmp_path / "saved.jpg")
    assert (tmp_path / "saved.jpg").read_bytes() == PHOTO
    reader.close()
