"""Readers' journeys in a real headless Chromium (Debian's), against `make serve`."""
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS

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
