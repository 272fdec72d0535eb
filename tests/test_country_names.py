"""One resolver of country names for the query, the search form and import files."""

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.ingest.country_names import resolve_country

ISO_CODES = {country.alpha_2 for country in pycountry.countries}


@pytest.mark.parametrize(
    "name, code",
    [
        ("turkey", "TR"),
        ("Türkiye", "TR"),
        ("TURKIYE", "TR"),
        ("cote d'ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("cote-divoire", "CI"),
        ("Ivory Coast", "CI"),
        ("Burma", "MM"),
        ("Zaire", "CD"),
        ("Soviet Union", "RU"),
        ("UK", "GB"),
        ("U.S.", "US"),
        ("pk", "PK"),
        ("PAK", "PK"),
        ("Korea, Republic of", "KR"),
        ("united-kingdom", "GB"),
        ("Viet Nam", "VN"),
        ("Congo", "CG"),
        ("Congo, The Democratic Republic of the", "CD"),
        ("vietnam", "VN"),
        ("Swaziland", "SZ"),
        ("  the   gambia ", "GM"),
    ],
)
def test_a_country_is_found_by_its_code_and_any_of_its_names(name, code):
    assert resolve_country(name) == code


@pytest.mark.parametrize("name", ["London", "Pakistani", "Sindh", "", "   ", "-", "Atlantis"])
def test_cities_regions_and_demonyms_are_not_countries(name):
    assert resolve_country(name) is None


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_country_code_or_none(text):
    assert resolve_country(text) in ISO_CODES | {None}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(country.name for country in pycountry.countries)))
def test_every_countrys_name_is_found_whatever_its_case_and_accents(name):
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    assert (
        resolve_country(name) == resolve_country(plain.upper()) == resolve_country(plain.lower()) is not None
    )
