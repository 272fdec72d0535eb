"""Readers' journeys in a real headless Chromium (Debian's), against `make serve`."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def query(page):
    return parse_qs(urlparse(page.url).query)


def test_search_filter_by_countries_and_paginate(page, served):
    page.goto(served.url + "/")
    page.get_by_label("Search press releases").fill("trade")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("h1.result-count")).to_contain_text("for “trade”")
    assert page.locator(".hit mark").count() > 0
    page.screenshot(path=SCREENSHOTS / "search.png", full_page=True)

    facets = page.locator(".country-facet a")
    first_country = facets.nth(0).locator(".name").inner_text()
    second_country = facets.nth(1).locator(".name").inner_text()
    facets.nth(0).click()
    expect(page.locator("h1.result-count")).to_contain_text(f"in {first_country}")
    one_country_count = int(page.locator("h1.result-count").inner_text().split()[0])
    page.locator(".country-facet a", has_text=second_country).click()
    expect(page.locator("h1.result-count")).to_contain_text(f"{first_country} or {second_country}")
    assert len(query(page)["country"]) == 2
    assert int(page.locator("h1.result-count").inner_text().split()[0]) >= one_country_count
    page.screenshot(path=SCREENSHOTS / "search-two-countries.png", full_page=True)

    page.locator(".country-facet a.chosen", has_text=first_country).click()
    assert len(query(page)["country"]) == 1
    expect(page.locator("h1.result-count")).not_to_contain_text(first_country)
    assert query(page)["q"] == ["trade"]


def test_pagination_and_back_to_the_same_results(page, served):
    page.goto(served.url + "/?sort=newest")
    first_page_titles = page.locator(".hit h2").all_inner_texts()
    page.get_by_role("link", name="Next ›").click()
    assert query(page)["page"] == ["2"]
    expect(page.locator("nav.pagination [aria-current=page]")).to_have_text("2")
    second_page_titles = page.locator(".hit h2").all_inner_texts()
    assert second_page_titles and not set(second_page_titles) & set(first_page_titles)

    results_url = page.url
    page.locator(".hit h2 a").first.click()
    expect(page.locator("article h1")).to_have_text(second_page_titles[0])
    page.screenshot(path=SCREENSHOTS / "article.png", full_page=True)
    page.go_back()
    assert page.url == results_url
    expect(page.locator(".hit h2").first).to_have_text(second_page_titles[0])


def test_article_country_links_lead_to_that_countrys_releases(page, served):
    page.goto(served.url + "/?sort=oldest")
    page.locator(".hit h2 a").first.click()
    country_link = page.locator(".article-countries a").first
    country = country_link.inner_text()
    country_link.click()
    expect(page.locator("h1.result-count")).to_contain_text(f"in {country}")


def test_dates_narrow_the_results(page, served):
    page.goto(served.url + "/")
    total = int(page.locator("h1.result-count").inner_text().split()[0])
    page.locator("input[name=from]").fill("2015-01-01")
    page.locator("input[name=to]").fill("2016-12-31")
    page.get_by_role("button", name="Search").click()
    narrowed = int(page.locator("h1.result-count").inner_text().split()[0])
    assert 0 < narrowed < total
    dates = page.locator(".hit time").evaluate_all("nodes => nodes.map(n => n.getAttribute('datetime'))")
    assert all("2015-01-01" <= d <= "2016-12-31" for d in dates)


def test_an_empty_result_suggests_what_to_try(page, served):
    page.goto(served.url + "/?q=zzzxq&country=PK")
    expect(page.locator(".empty")).to_contain_text("No releases match this search.")
    expect(page.locator(".empty")).to_contain_text("Remove a country filter")


def test_phone_layout_puts_the_facets_above_the_results(browser, served):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(served.url + "/?q=energy")
    facets_box = page.locator("aside.facets").bounding_box()
    results_box = page.locator("section.results").bounding_box()
    assert facets_box["y"] < results_box["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "search-phone.png", full_page=False)
    context.close()


def test_keyboard_users_can_skip_to_the_results(page, served):
    page.goto(served.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    assert re.search(r"#main$", page.url)


def test_a_bar_of_the_chart_narrows_the_search_to_its_year_then_month(page, served):
    page.goto(served.url + "/?q=trade")
    bars = page.locator(".timeline-chart a")
    assert bars.count() >= 5
    label = bars.nth(2).get_attribute("aria-label")  # e.g. "2014: 9 releases"
    year, count = label.split(":")[0], int(label.split(": ")[1].split()[0])
    bars.nth(2).click()
    assert query(page)["from"] == [year] and query(page)["to"] == [year] and query(page)["q"] == ["trade"]
    expect(page.locator("h1.result-count")).to_contain_text(f"{count} release")
    expect(page.locator(".timeline figcaption")).to_contain_text("per month")
    page.screenshot(path=SCREENSHOTS / "search-one-year.png", full_page=True)
    months = page.locator(".timeline-chart a")
    assert months.count() == 12
    busiest = max(
        range(12), key=lambda n: int(months.nth(n).get_attribute("aria-label").split(": ")[1].split()[0])
    )
    months.nth(busiest).click()
    assert re.fullmatch(rf"{year}-\d\d", query(page)["from"][0])


def test_suggestions_while_typing_and_following_one(page, served):
    page.goto(served.url + "/")
    box = page.get_by_label("Search press releases")
    box.press_sequentially("minis", delay=40)
    options = page.locator("#q-suggestions option")
    # Playwright waits for the suggestions; the deadline leaves room for a loaded machine.
    expect(options.first).to_be_attached(timeout=30_000)
    suggestion = options.first.get_attribute("value")
    box.fill(suggestion)  # what choosing it from the list does
    box.press("Enter")
    expect(page.locator("h1.result-count")).to_contain_text(suggestion)
    assert suggestion in page.locator(".hit h2").all_inner_texts()
