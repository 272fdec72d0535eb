import pytest

from articles.ingest.countries import find_countries
from articles.ingest.parsing import parse_article

from .conftest import SHARED_SAMPLES


def codes(text, title=""):
    return {mention.code for mention in find_countries(title, text)}


def test_the_seed_sample_is_about_pakistan_russia_india_and_afghanistan():
    parsed = parse_article((SHARED_SAMPLES / "seed-press-release.txt").read_text(encoding="utf-8"))
    found = codes(parsed.body, parsed.title)
    assert {"PK", "RU", "IN", "AF"} <= found <= {"PK", "RU", "IN", "AF", "KG"}


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The Russian Federation voted in favour.", {"RU"}),  # official name
        ("Talks with Russia resumed.", {"RU"}),  # short name
        ("Pakistani and Afghan officials met.", {"PK", "AF"}),  # adjectives
        ("Hundreds of Afghans crossed the border.", {"AF"}),  # plural demonym
        ("The summit was held in Bishkek.", {"KG"}),  # capital
        ("Investors gathered in Karachi.", {"PK"}),  # large city
        ("ISLAMABAD, Sept 27 - The ministry said", {"PK"}),  # ALL-CAPS dateline
        ("KYRGYZSTAN AND TAJIKISTAN SIGN WATER DEAL", {"KG", "TJ"}),  # ALL-CAPS title
        ("Relations between the U.S. and the UK", {"US", "GB"}),  # abbreviations
        ("Delegates from Côte d’Ivoire and Cote d'Ivoire", {"CI"}),  # accents and quotes
        ("Papua New Guinea and Guinea-Bissau", {"PG", "GW"}),  # longest name wins
        ("Pakistan-India talks", {"PK", "IN"}),  # hyphenated pair
        ("Pakistan's foreign policy", {"PK"}),  # possessive
        ("The Republic of Korea and South Korea are one.", {"KR"}),  # ISO's inverted names
        ("Tbilisi, Georgia hosted the talks.", {"GE"}),
        ("Amman, Jordan", {"JO"}),
        ("King Abdullah of Jordan", {"JO"}),
        ("Chad and Niger signed.", {"TD", "NE"}),
    ],
)
def test_names_that_point_to_countries(sentence, expected):
    assert codes(sentence) == expected


@pytest.mark.parametrize(
    "sentence, unwanted",
    [
        ("The governor of Indiana spoke.", "IN"),
        ("Ships crossed the Indian Ocean.", "IN"),
        ("Atlanta, Georgia is the state capital.", "GE"),
        ("The U.S. state of Georgia passed a law.", "GE"),
        ("Michael Jordan visited the school.", "JO"),
        ("Jordan Peterson gave a lecture.", "JO"),
        ("Chad Smith played the drums.", "TD"),
        ("He flew to New Mexico.", "MX"),
        ("We ate turkey at dinner.", "TR"),
        ("Leaders from Latin America met.", "US"),
        ("The chinese porcelain was sold.", "CN"),
    ],
)
def test_names_that_do_not(sentence, unwanted):
    assert unwanted not in codes(sentence)


def test_the_title_and_the_opening_weigh_more_than_a_late_mention():
    body = "Pakistan signed the accord. " + "Filler sentence. " * 60 + "Egypt was also mentioned."
    mentions = find_countries("Pakistan signs accord", body)
    assert [m.code for m in mentions] == ["PK", "EG"]
    assert mentions[0].count == 2
    assert mentions[0].weight > mentions[1].weight


def test_text_without_places_finds_nothing():
    assert codes("The committee met on Tuesday to review the budget.") == set()
