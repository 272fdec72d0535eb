"""Which countries a release is about, found in its title and text.

Names come from the gazetteer (`gazetteer.py`); the rules below keep the few names
that also mean something else from becoming false hits. Each is named and says why.
"""
import re
from collections import Counter
from dataclasses import dataclass

from .gazetteer import PlaceName, gazetteer, name_lengths_by_first_word
from .tokens import Token, fold, tokenize

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
        "British Columbia",
        "New Guinea",
        "Turkey Point",
    )
}
_BLOCKED_LENGTHS = {phrase[0]: (len(phrase),) for phrase in NOT_COUNTRIES}
# Country names that are also people's names (Michael Jordan, Chad Smith).
ALSO_PERSONAL_NAMES = {"jordan", "chad", "israel", "georgia"}
# Capitalised words that may stand before a country without being a first name.
_NOT_FIRST_NAMES = {
    "the", "a", "in", "of", "and", "or", "to", "from", "with", "for", "by", "on", "at", "as",
    "between", "about", "into", "across", "visit", "visits", "visited", "neighbouring",
    "neighboring", "king", "kingdom", "republic", "state", "president", "government",
}  # fmt: skip
# Georgia the US state: "Atlanta, Georgia", "the state of Georgia", "Georgia's governor".
_US_GEORGIA_CONTEXT = re.compile(
    r"\b(Atlanta|Savannah|Augusta|state of Georgia|Georgia state|U\.?S\.? state|Ga\.)", re.IGNORECASE
)
# Where a mention sits changes how much the release is about that country.
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 1.5
LEAD_CHARACTERS = 400


@dataclass(frozen=True)
class CountryMention:
    code: str
    count: int
    weight: float


def find_countries(title: str, body: str) -> list[CountryMention]:
    """Countries named in a release, most prominent first."""
    counts: Counter[str] = Counter()
    weights: Counter[str] = Counter()
    for code in _codes_in(title):
        counts[code] += 1
        weights[code] += TITLE_WEIGHT
    for code, start in _codes_with_positions(body):
        counts[code] += 1
        weights[code] += LEAD_WEIGHT if start < LEAD_CHARACTERS else 1.0
    mentions = [CountryMention(code, counts[code], round(weights[code], 2)) for code in counts]
    return sorted(mentions, key=lambda mention: (-mention.weight, mention.code))


def _codes_in(text: str):
    return [code for code, _ in _codes_with_positions(text)]


def _codes_with_positions(text: str):
    tokens = tokenize(text)
    keys = [fold(token.text) for token in tokens]
    names = gazetteer()
    lengths_by_first = name_lengths_by_first_word()
    position = 0
    while position < len(tokens):
        matched = 1
        candidate_lengths = _BLOCKED_LENGTHS.get(keys[position], ()) + lengths_by_first.get(keys[position], ())
        for length in sorted(candidate_lengths, reverse=True):
            key = tuple(keys[position : position + length])
            if key in NOT_COUNTRIES:
                matched = length
                break
            window = tokens[position : position + length]
            place = names.get(key)
            if place and _written_as_a_name(window, place):
                code = _resolve(place, window, text)
                if code:
                    yield code, window[0].start
                matched = length
                break
        position += matched


def _written_as_a_name(window: list[Token], place: PlaceName) -> bool:
    """'Turkey' and 'TURKEY' name a country; 'turkey' is a bird."""
    if all(token.text.isupper() for token in window if token.text != "-"):
        return True
    return all(
        written[:1].isupper() == canonical[:1].isupper()
        for written, canonical in zip((token.text for token in window), place.canonical)
    )


def _resolve(place: PlaceName, window: list[Token], text: str) -> str | None:
    """The country a matched name stands for here, or None when it stands for something else."""
    key = fold(window[0].text) if len(window) == 1 else None
    if key in ALSO_PERSONAL_NAMES and _reads_as_personal_name(window[0], text):
        return None
    if key == "georgia" and _US_GEORGIA_CONTEXT.search(text):
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
