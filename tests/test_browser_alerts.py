"""A reader follows a search by e-mail in a real Chromium, against `make serve` with its task worker
and a real SMTP server: subscribe, confirm from the e-mail's link, get an alert after an import,
manage the subscription, and unsubscribe in one click as a mail program does."""

import re
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS
from .processes import manage
from .serving import ServedPressroom
from .smtp_server import SMTPServer
from .waiting import eventually

pytestmark = pytest.mark.slow

READER = "reader@example.org"

IMPORT_A_RELEASE = """
import datetime, time
from articles.ingest.parsing import ParsedArticle
from articles.services import article_import
article_import(parsed=ParsedArticle(
    "Fisheries and trade agreement signed", datetime.date(2024, 5, 2),
    ("Kenya and Oman signed a trade agreement on fisheries in Nairobi.",), ""))
print(time.time())
"""


@pytest.fixture(scope="module")
def smtp():
    with SMTPServer() as server:
        yield server.collector


@pytest.fixture(scope="module")
def served_with_mail(tmp_path_factory, smtp):
    data_dir = tmp_path_factory.mktemp("served-alerts")
    server = ServedPressroom(data_dir, demo_articles=60, workers=1)
    server.env.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "PRESSROOM_SITE_URL": server.url,
            "DEFAULT_FROM_EMAIL": "Pressroom <alerts@127.0.0.1>",
        }
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message, path: str) -> str:
    return next(url for url in re.findall(r"http://127\.0\.0\.1:\d+\S+", text_of(message)) if path in url)


def test_subscribe_confirm_receive_manage_and_unsubscribe(page, served_with_mail, smtp):
    served = served_with_mail
    page.goto(served.url + "/?q=trade")
    page.get_by_role("link", name="Get e-mails about this search").click()
    expect(page.get_by_role("heading", name="Get e-mails about this search")).to_be_visible()
    page.get_by_label("Your e-mail address").fill(READER)
    page.get_by_label("Immediately").check()
    page.screenshot(path=SCREENSHOTS / "alerts-subscribe.png", full_page=True)
    page.get_by_role("button", name="Send me a confirmation e-mail").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    (confirmation,) = eventually(lambda: smtp.to(READER), what="the confirmation e-mail")
    page.goto(link(confirmation, "/alerts/confirm/"))
    assert len(smtp.messages) == 1  # opening the link confirms nothing: mail scanners open links too
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your alerts")).to_be_visible()
    expect(page.locator(".alerts-subscription")).to_contain_text("trade")

    imported = manage(served.log.parent, "shell", "--verbosity", "0", "-c", IMPORT_A_RELEASE)
    committed = float(imported.stdout.split()[-1])
    alerts = eventually(lambda: smtp.to(READER)[1:], what="the alert e-mail", seconds=90)
    latency = time.time() - committed
    print(f"\nfrom the import's commit to the alert e-mail: {latency:.1f} s")
    assert latency < 60
    (alert,) = alerts
    assert "Fisheries and trade agreement signed" in text_of(alert)
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page.goto(link(alert, "/alerts/manage/"))
    page.get_by_label("How often").select_option("daily")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("status")).to_contain_text("changed")
    expect(page.locator(".alerts-subscription")).to_contain_text("daily")
    page.screenshot(path=SCREENSHOTS / "alerts-manage.png", full_page=True)

    # A mail program's one click: a POST of the RFC 8058 body, no cookie, no CSRF token.
    unsubscribe = alert["List-Unsubscribe"].strip().strip("<>")
    request = urllib.request.Request(unsubscribe, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    page.goto(link(alert, "/alerts/manage/"))
    expect(page.locator("main")).to_contain_text("You follow no search")
