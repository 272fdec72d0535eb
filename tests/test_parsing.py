import datetime

import pytest

from articles.ingest.dates import parse_article_date
from articles.ingest.errors import RejectedArticle
from articles.ingest.parsing import parse_article

from .conftest import FIXTURES, article_text


def test_the_seed_sample_parses_into_title_date_paragraphs_and_source():
    parsed = parse_article((FIXTURES / "scraped-release.txt").read_text(encoding="utf-8"))
    assert parsed.title == "Imran, briefs Lavrov about IOK situation"
    assert parsed.published == datetime.date(2019, 9, 27)
    assert parsed.source == "Press release"
    assert len(parsed.paragraphs) == 6
    assert parsed.paragraphs[0].startswith("Foreign Minister of the Russian Federation")
    assert parsed.paragraphs[-1].endswith("on all issues of common interest.")
    assert "Read Comments" not in parsed.body
    assert "-PR" not in parsed.body


@pytest.mark.parametrize(
    "line",
    [
        "27 Sep, 2019",
        "September 27, 2019",
        "27 September 2019",
        "Friday, September 27, 2019",
        "2019-09-27",
        "Sept. 27, 2019",
        "27th September 2019",
        "  27  Sep,  2019 ",
    ],
)
def test_dates_as_releases_write_them(line):
    assert parse_article_date(line) == datetime.date(2019, 9, 27)


def test_weekday_form_from_the_brief():
    assert parse_article_date("Friday, January 4, 2019") == datetime.date(2019, 1, 4)


@pytest.mark.parametrize(
    "line", ["Read Comments", "2019", "31 Feb, 2019", "Pakistan, 27 Sep", "27 Sep, 2019 at noon"]
)
def test_lines_that_are_not_dates(line):
    assert parse_article_date(line) is None


def test_paragraphs_separated_by_blank_lines_keep_their_wrapped_lines_together():
    parsed = parse_article("Title\n\n2019-01-02\n\nFirst line\nwrapped here.\n\nSecond paragraph.\n")
    assert parsed.paragraphs == ("First line wrapped here.", "Second paragraph.")


def test_windows_line_endings_and_leading_blank_lines():
    parsed = parse_article("\r\n\r\nTitle here\r\n\r\n4 Jan 2019\r\n\r\nBody text.\r\n")
    assert (parsed.title, parsed.published, parsed.body) == (
        "Title here",
        datetime.date(2019, 1, 4),
        "Body text.",
    )


def test_other_source_marks_are_kept_as_written():
    assert parse_article(article_text(body="The talks ended.-APP")).source == "APP"


def test_a_hyphenated_word_at_the_end_is_not_a_source_mark():
    parsed = parse_article(article_text(body="They spoke of the India-US"))
    assert parsed.source == ""
    assert parsed.body == "They spoke of the India-US"


def test_a_wrong_date_line_is_named_with_its_line_number():
    with pytest.raises(RejectedArticle, match=r"Line 3 should be the publication date .* reads 'Yesterday'"):
        parse_article("A title\n\nYesterday\n\nBody.")


def test_a_date_in_place_of_the_title_is_rejected():
    with pytest.raises(RejectedArticle, match="Line 1 is a date; the first line must be the release's title"):
        parse_article("27 Sep, 2019\n\nBody text.")


def test_a_file_that_ends_after_the_title_is_rejected():
    with pytest.raises(RejectedArticle, match="file ends after the title"):
        parse_article("Only a title\n")


def test_a_release_without_body_is_rejected():
    with pytest.raises(RejectedArticle, match="no body text after the date on line 3"):
        parse_article("A title\n\n27 Sep, 2019\n\nRead Comments\n")


def test_an_empty_file_is_rejected():
    with pytest.raises(RejectedArticle, match="empty"):
        parse_article(" \n\n ")


def test_an_overlong_first_line_is_not_taken_for_a_title():
    with pytest.raises(RejectedArticle, match="Line 1 is 600 characters long"):
        parse_article("x" * 600 + "\n\n27 Sep, 2019\n\nBody")


def test_control_characters_and_non_characters_are_cleaned_out():
    article = parse_article(
        "A \x1b[1mbold\ufffe title\x07\n\n27 Sep, 2019\n\n"
        "First\x00 line\x0bsecond line\x85third\x0cpage\x7f.\n"
    )
    assert article.title == "A [1mbold title"
    assert article.paragraphs == ("First line", "second line", "third", "page.")  # the breaks are line breaks
