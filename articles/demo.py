"""Plausible press releases of our own making, for the demo archive, tests and benchmarks.

Every release is written in the upload format and goes through the same parser and
country extraction as a real upload. The same seed always gives the same releases.
"""

import datetime
import random
from dataclasses import dataclass
from functools import cache

import pycountry
from countryinfo import CountryInfo

DEMO_COUNTRY_CODES = (
    "PK IN AF RU CN US FR DE JP KR BR MX CA AU NG EG ZA KE ET TR IR IQ SA AE QA OM JO LB SY YE "
    "BD LK NP TH VN ID MY PH SG KZ UZ KG TJ TM AZ GE AM UA PL IT ES PT NL BE SE NO FI DK IE CH "
    "AT GR HU RO AR CL CO PE VE CU GH SN MA DZ TN TZ UG ZM NZ MN"
).split()
FIRST_DAY = datetime.date(2012, 1, 1)
LAST_DAY = datetime.date(2025, 12, 31)
DATE_LINE_FORMATS = ("{d} {b}, {Y}", "{B} {d}, {Y}", "{d} {B} {Y}", "{A}, {B} {d}, {Y}", "{Y}-{m:02}-{d:02}")

TOPICS = (
    "trade",
    "energy",
    "climate",
    "health",
    "education",
    "water management",
    "agriculture",
    "counter-terrorism",
    "cyber security",
    "maritime security",
    "investment",
    "tourism",
    "migration",
    "disaster relief",
    "food security",
    "railways",
    "digital connectivity",
    "culture",
    "science and technology",
    "defence",
    "space research",
    "textiles",
    "fisheries",
)
OFFICES = (
    "Prime Minister",
    "Foreign Minister",
    "President",
    "Minister for Commerce",
    "Minister of State",
    "Foreign Secretary",
    "Minister for Planning",
    "Ambassador",
    "Minister for Energy",
)
FORUMS = (
    "the UN General Assembly",
    "the SCO summit",
    "the G20 meeting",
    "the WTO ministerial conference",
    "the Commonwealth meeting",
    "the OIC Council of Foreign Ministers",
    "the ASEAN Regional Forum",
    "the Climate Change Conference",
    "the World Health Assembly",
)
TITLES = (
    "{c1} and {c2} agree to expand {topic} cooperation",
    "{office} meets {d2} counterpart in {cap2}",
    "{c1} announces new {topic} partnership with {c2}",
    "Joint statement on {topic} after talks in {cap1}",
    "{d2} delegation visits {cap1} for {topic} talks",
    "{office} calls for {topic} action at {forum}",
    "{c1}, {c2} sign memorandum on {topic}",
    "Talks with {c2} on {topic} conclude in {cap1}",
    "{office} receives {d2} envoy, discusses {topic}",
    "{c1} welcomes {c2}'s support on {topic}",
)
SENTENCES = (
    "The {office} of {c1} met {d2} officials in {cap2} to discuss {topic} and {topic2}.",
    (
        "Both sides reviewed progress on the {topic} agreement signed last year "
        "and agreed to set up a joint working group."
    ),
    "The {office} said that {c1} attached great importance to its relationship with {c2}.",
    "Officials noted that bilateral trade had grown by {pct} percent over the past {years} years.",
    "The two delegations exchanged views on regional and international issues of mutual interest.",
    "A spokesperson for the {d1} side said the talks had been held in a cordial and constructive atmosphere.",
    "The meeting also covered cooperation in {topic2}, where both countries see room for new projects.",
    "{c2} offered technical assistance worth {money} million dollars for {topic} projects.",
    "The {office} invited the {d2} side to visit {cap1} at an early date, and the invitation was accepted.",
    "Both countries agreed to hold the next round of consultations in {cap2} later in the year.",
    "Representatives of the private sector from {c1} and {c2} joined the session on {topic}.",
    "The sides stressed the need to implement earlier decisions on {topic2} without delay.",
    "It was agreed that experts would meet within {weeks} weeks to draft a plan of action.",
    "The {office} thanked {c2} for its hospitality and for the arrangements made for the delegation.",
    "Speaking at {forum}, the {office} urged the international community to do more on {topic}.",
    "The visit reflects the growing partnership between {c1} and {c3} in {topic2}.",
    "A memorandum of understanding on {topic} was signed in the presence of senior officials.",
    "Students and researchers from {c2} will be offered {scholarships} scholarships under the programme.",
    "The ministry said the project would create about {jobs} jobs over the next {years} years.",
    "Officials from {c3} attended the meeting as observers.",
    "The {d1} side briefed the delegation on recent reforms in {topic} and the results achieved so far.",
    (
        "Both sides expressed satisfaction with the pace of cooperation in {topic2} "
        "since the last session of the joint commission."
    ),
    (
        "A business forum on the margins of the visit brought together more than {firms} companies "
        "from {c1} and {c2}."
    ),
    "The delegation later visited a {topic} training centre on the outskirts of {cap1}.",
    (
        "The ministers agreed to double the number of exchange visits for young professionals "
        "working in {topic2}."
    ),
    "Satellite data and early warning systems were discussed as part of the {topic} agenda.",
    "The {office} recalled the long history of friendship between the peoples of {c1} and {c2}.",
    "The {d2} side welcomed the decision of {c1} to ease visa procedures for business travellers.",
    "Regional connectivity, including road and rail links through {c3}, was also on the agenda.",
    "Officials said a feasibility study on {topic} would be completed by the end of the year.",
    "The two sides agreed to coordinate their positions at {forum}.",
    "A cultural exchange programme for {year} was signed, covering film, music and heritage.",
    "The {office} stressed that dialogue and diplomacy remained the only way to resolve disputes.",
    (
        "Concern was expressed about the humanitarian situation in the region, "
        "and both sides called for unhindered access for aid."
    ),
    "The talks were followed by a working lunch hosted by the {office}.",
)


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


def generate_article_texts(count: int, seed: int):
    """Yield `count` release files' text, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield _article_text(rng)


def _article_text(rng: random.Random) -> str:
    first, second, third = rng.sample(demo_countries(), 3)
    topic, topic2 = rng.sample(TOPICS, 2)
    fill = {
        "c1": first.name,
        "c2": second.name,
        "c3": third.name,
        "d1": first.demonym,
        "d2": second.demonym,
        "cap1": first.capital,
        "cap2": second.capital,
        "topic": topic,
        "topic2": topic2,
        "office": rng.choice(OFFICES),
        "forum": rng.choice(FORUMS),
    }
    published = FIRST_DAY + datetime.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    title = rng.choice(TITLES).format(**fill)
    title = title[0].upper() + title[1:]
    paragraphs = _paragraphs(rng, fill, published, first.capital)
    lines = [title, "", _date_line(rng, published), ""] + paragraphs
    if rng.random() < 0.6:
        lines[-1] += "-PR"
    if rng.random() < 0.3:
        lines += ["", "Read Comments"]
    return "\n".join(lines) + "\n"


def _paragraphs(rng, fill, published, dateline_city) -> list[str]:
    target_words = rng.randint(150, 800)
    dateline = f"{dateline_city.upper()}, {published:%b} {published.day} -"
    words, paragraphs, deck = 0, [], []
    while words < target_words:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            if not deck:  # deal every sentence once before any repeats
                deck = rng.sample(SENTENCES, len(SENTENCES))
            sentences.append(
                deck.pop().format(
                    **fill,
                    pct=rng.randint(3, 60),
                    years=rng.randint(2, 10),
                    money=rng.randint(5, 900),
                    weeks=rng.randint(2, 12),
                    scholarships=rng.randint(20, 500),
                    jobs=rng.randint(200, 20000),
                    firms=rng.randint(20, 300),
                    year=published.year + 1,
                )
            )
        paragraph = " ".join(sentences)
        words += len(paragraph.split())
        paragraphs.append(paragraph)
    paragraphs[0] = f"{dateline} {paragraphs[0]}"
    return paragraphs


def _date_line(rng, day: datetime.date) -> str:
    return rng.choice(DATE_LINE_FORMATS).format(
        d=day.day, m=day.month, Y=day.year, b=f"{day:%b}", B=f"{day:%B}", A=f"{day:%A}"
    )
