"""Which country a person means by a name they typed: one answer for the search query
(country:turkey), the search form's country= values and the countries of an import file.

A name is compared with its accents, case, spaces and punctuation ignored, so "Türkiye",
"turkiye", "Cote d'Ivoire", "cote-divoire" (a slug) and "COTE D’IVOIRE" are all found.
Countries' short, common, official and former names and their abbreviations count (Turkey,
Burma, UK, U.S.), as do ISO codes (PK, PAK); cities, regions and demonyms do not. A name two
countries share names neither, unless it is ISO's own name of one of them.
"""

import functools

import pycountry

from .gazetteer import NameKind, gazetteer
from .tokens import fold


def resolve_country(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country `name` names, or None."""
    return _countries_by_name().get(_squeezed(name))


@functools.cache
def _countries_by_name() -> dict[str, str]:
    claims: dict[str, set[str]] = {}
    for key, place in gazetteer().items():
        if place.kind in (NameKind.COUNTRY, NameKind.ALIAS):
            claims.setdefault(_squeezed(" ".join(key)), set()).add(place.code)
    for country in pycountry.countries:
        for attribute in ("common_name", "official_name"):
            if written := getattr(country, attribute, None):
                claims.setdefault(_squeezed(written), set()).add(country.alpha_2)
    names = {
        name: codes.pop() for name, codes in claims.items() if len(codes) == 1
    }  # a shared name names neither
    for country in pycountry.countries:
        # ISO's own name, the one Pressroom shows, always names its country ("Congo" is CG, not CD).
        names[_squeezed(country.name)] = country.alpha_2
        names[country.alpha_2.lower()] = names[country.alpha_3.lower()] = country.alpha_2
    names.pop("", None)
    return names


def _squeezed(name: str) -> str:
    return "".join(character for character in fold(name) if character.isalnum())
