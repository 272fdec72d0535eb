"""Which countries a release is about, found in its title and text.

Names come from the gazetteer (`gazetteer.py`); the rules below keep the few names
that also mean something else from becoming false hits. Each is named and says why.
"""

import functools
import re
from collections import Counter
from dataclasses import dataclass

from .datelines import Dateline, find_dateline
from .gazetteer import (
    NameKind,
    PlaceName,
    abbreviated_region,
    dateline_cities,
    gazetteer,
    name_lengths_by_first_word,
    region_abbreviations,
    us_state_abbreviations,
)
from .tokens import Token, fold, folded, name_key, tokenize

# Phrases that contain a country's name or adjective but are not about that country.
NOT_COUNTRIES = {
    tuple(fold(word) for word in phrase.split())
    for phrase in (
        "Indian Ocean",
        "American Indian",
        "Native American",
        "Latin America",
        "Latin American",
        "South America",
        "South American",
        "North America",
        "North American",
        "Central America",
        "Central American",
        "West Indies",
        "New Guinea",
        "Turkey Point",
    )
}
_BLOCKED_LENGTHS = {phrase[0]: (len(phrase),) for phrase in NOT_COUNTRIES}
# Country names that are also people's names (Michael Jordan, Chad Smith).
ALSO_PERSONAL_NAMES = {"jordan", "chad", "israel", "georgia"}
# Capitalised words that may stand before a country without being a first name.
_NOT_FIRST_NAMES = {
    "the",
    "a",
    "in",
    "of",
    "and",
    "or",
    "to",
    "from",
    "with",
    "for",
    "by",
    "on",
    "at",
    "as",
    "between",
    "about",
    "into",
    "across",
    "visit",
    "visits",
    "visited",
    "neighbouring",
    "neighboring",
    "king",
    "kingdom",
    "republic",
    "state",
    "president",
    "government",
}
# Georgia the US state: "Atlanta, Georgia", "the state of Georgia", "Georgia's governor".
_US_GEORGIA_CONTEXT = re.compile(
    r"\b(Atlanta|Savannah|Augusta|state of Georgia|Georgia state|U\.?S\.? state|Ga\.)", re.IGNORECASE
)
# Where a mention sits changes how much the release is about that country: a title or a
# dateline names the subject, the opening paragraph usually does, a late mention may not.
TITLE_WEIGHT = 3.0
DATELINE_WEIGHT = 3.0
FIRST_SENTENCE_WEIGHT = 2.0
LEAD_WEIGHT = 1.5
LATER_WEIGHT = 1.0
LEAD_CHARACTERS = 400
# A country is one the release is about when it weighs at least ABOUT_MIN_WEIGHT and at
# least ABOUT_SHARE of the most prominent country's weight; the rest are only mentioned.
ABOUT_MIN_WEIGHT = 2.0
ABOUT_SHARE = 0.3


@dataclass(frozen=True)
class CountryMention:
    code: str
    count: int
    weight: float
    about: bool  # the release is about it, rather than naming it in passing


def find_countries(title: str, body: str) -> list[CountryMention]:
    """Every country a release names, most prominent first, each marked whether it is a subject."""
    counts: Counter[str] = Counter()
    weights: Counter[str] = Counter()
    for code, weight in _weighed_mentions(title, body):
        counts[code] += 1
        weights[code] += weight
    top = max(weights.values(), default=0.0)
    mentions = [
        CountryMention(
            code,
            counts[code],
            round(weight, 2),
            weight == top or weight >= max(ABOUT_MIN_WEIGHT, ABOUT_SHARE * top),
        )
        for code, weight in weights.items()
    ]
    return sorted(mentions, key=lambda mention: (-mention.weight, mention.code))


def _weighed_mentions(title: str, body: str):
    """(code, weight) for each mention: its weight says where it sits."""
    for code, _ in _codes_with_positions(title):
        yield code, TITLE_WEIGHT
    dateline = find_dateline(body)
    opening = dateline.end if dateline else 0
    filed_in = _dateline_country(dateline) if dateline else None
    if filed_in:
        yield filed_in, DATELINE_WEIGHT
    first_sentence_ends = _first_sentence_end(body, opening)
    for code, start in _codes_with_positions(body, after=opening):
        if start < first_sentence_ends:
            yield code, FIRST_SENTENCE_WEIGHT
        else:
            yield code, LEAD_WEIGHT if start < opening + LEAD_CHARACTERS else LATER_WEIGHT


def _first_sentence_end(text: str, start: int) -> int:
    """Where the sentence opening at `start` ends: a full stop before a space and capital, or a line break."""
    found = _SENTENCE_END.search(text, start)
    return found.end() if found else len(text)


_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])[.!?](?=\s+[\"“A-Z])|\n")


def countries_about(title: str, body: str) -> list[str]:
    """ISO codes of the countries a release is about, most prominent first."""
    return [mention.code for mention in find_countries(title, body) if mention.about]


def _dateline_country(dateline: Dateline) -> str | None:
    """The country of "CITY, Region -": the region when it is known, else the city."""
    places = gazetteer()
    if dateline.region:
        key = name_key(dateline.region)
        region = places.get(key)
        if region:
            return region.code
        # An unknown region leaves the city's namesakes unresolved ("HORSHAM, Penn." is not England's).
        return region_abbreviations().get(key) or abbreviated_region(dateline.region)
    city = name_key(dateline.city)
    return places[city].code if city in places else dateline_cities().get(city)


def _codes_with_positions(text: str, after: int = 0):
    """(code, start) for each country named in the text from `after` on, word by word: a "Town, St."
    is the US, the longest name at a word wins, and a phrase that is not its country's ("Indian
    Ocean") is passed over whole.

    One loop, its steps inline: it runs for every word of every release imported, and a call per
    step would be a call per word.
    """
    tokens = [token for token in tokenize(text) if token.start >= after]
    keys = folded(tokens)
    names = gazetteer()
    lengths_by_first = _candidate_lengths()
    reading = _Reading(text, tokens)
    us_towns = {match.start(): match.end() for match in _town_and_us_state().finditer(text, after)}
    # Only a word that starts a name (or a town) can start a match: the loop goes from one such word
    # to the next, never through the words between, most of any text.
    starts = [place for place, key in enumerate(keys) if key in lengths_by_first]
    if us_towns:
        starts = sorted({*starts, *(place for place, token in enumerate(tokens) if token.start in us_towns)})
    position = 0
    for start in starts:
        if start < position:  # within a name or town matched already
            continue
        position = start
        if tokens[position].start in us_towns:
            yield "US", tokens[position].start
            town_ends = us_towns[tokens[position].start]
            while position < len(tokens) and tokens[position].start < town_ends:
                position += 1
            continue
        matched = 1
        for length in lengths_by_first[keys[position]]:
            key = tuple(keys[position : position + length])
            if key in NOT_COUNTRIES:
                matched = length
                break
            window = tokens[position : position + length]
            place = names.get(key)
            if place and _written_as_a_name(window, place):
                code = _resolve(place, window, reading)
                if code:
                    yield code, window[0].start
                matched = length
                break
        position += matched


@functools.cache
def _candidate_lengths() -> dict[str, tuple[int, ...]]:
    """First folded token -> the token lengths of the names and the not-country phrases it starts,
    longest first: the lengths worth trying at a word."""
    lengths: dict[str, set[int]] = {}
    for first, found in (*_BLOCKED_LENGTHS.items(), *name_lengths_by_first_word().items()):
        lengths.setdefault(first, set()).update(found)
    return {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}


class _Reading:
    """A text being read for names, and what holds for it as a whole: learnt once per text,
    never once per mention (a release naming Georgia 2,000 times is read once, not 2,000 times)."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self._tokens = tokens

    @functools.cached_property
    def headline(self) -> bool:
        return _written_as_headline(self._tokens)

    @functools.cached_property
    def georgia_is_the_us_state(self) -> bool:
        return bool(_US_GEORGIA_CONTEXT.search(self.text))


# The longest word of a town's name that "Town, St." looks at. Bounded so that a run like
# "A.A.A.A..." (where every capital may start a town) costs a constant per character, not
# the rest of the run: the longest US town words are under 25 letters.
_LONGEST_TOWN_WORD = 40


@functools.cache
def _town_and_us_state() -> re.Pattern:
    """A town and its US state, "Stamford, Conn." or "Norfolk, Va.": a US place whatever the town.

    Only abbreviations with a full stop: "CT" or "IN" could be other things.
    """
    states = sorted(
        (written for written in us_state_abbreviations() if "." in written), key=len, reverse=True
    )
    # Possessive: a word ends where a space or the comma follows, so giving back letters never helps.
    word = rf"[A-Z][\w'’.]{{0,{_LONGEST_TOWN_WORD - 1}}}+"
    return re.compile(rf"\b{word}(?: {word}){{0,2}},\s(?:" + "|".join(map(re.escape, states)) + r")(?![\w.])")


def _written_as_headline(tokens: list[Token]) -> bool:
    """Headline Case capitalises every word, so a capital beside a name says nothing."""
    words = [token.text for token in tokens if len(token.text) > 3]
    return bool(words) and sum(word[0].isupper() for word in words) >= 0.7 * len(words)


def _written_as_a_name(window: list[Token], place: PlaceName) -> bool:
    """'Turkey' and 'TURKEY' name a country; 'turkey' is a bird."""
    if all(token.text.isupper() for token in window if token.text != "-"):
        # In capitals a one-word region ("NORFOLK", "SOUTHLAND") cannot be told from a company
        # or a surname; "NEW YORK" and "BRITISH COLUMBIA" can.
        return len(window) > 1 or place.kind != NameKind.REGION
    return all(
        written[:1].isupper() == canonical[:1].isupper()
        for written, canonical in zip((token.text for token in window), place.canonical, strict=False)
    )


def _resolve(place: PlaceName, window: list[Token], reading: _Reading) -> str | None:
    """The country a matched name stands for here, or None when it stands for something else."""
    key = fold(window[0].text) if len(window) == 1 else None
    # "Morgan Stanley", "McDonnell Douglas", "Michael Jordan": a one-word place or country that
    # is also a name, written beside another name, is that name.
    also_a_name = key in ALSO_PERSONAL_NAMES or (key and place.kind >= NameKind.CAPITAL)
    if also_a_name and not reading.headline and _reads_as_personal_name(window[0], reading.text):
        return None
    if key == "georgia" and reading.georgia_is_the_us_state:
        return "US"
    return place.code


def _reads_as_personal_name(token: Token, text: str) -> bool:
    """A capitalised word right beside the name, with no punctuation between, makes it a person's."""
    if token.text.isupper():
        return False
    before = re.search(r"([A-Z][\w'’.-]*) $", text[max(0, token.start - 40) : token.start])
    after = re.match(r" ([A-Z][\w'’-]*)", text[token.end : token.end + 40])
    return any(
        match and match.group(1).lower() not in _NOT_FIRST_NAMES and not match.group(1).isupper()
        for match in (before, after)
    )
