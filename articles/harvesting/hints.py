"""A source's countries: what a harvested release is tagged with when its text names no country.

Only then, not always: a ministry's releases are often about other countries (its minister in
Nairobi), and a hint added to every release would make a search for the ministry's own country
return all of them. A release that names no country would otherwise be found by no country search.
Hints are tagged at weight 0, as a country an editor chose that the text does not name.
"""

from ..ingest.countries import CountryMention


def country_hints(batch) -> tuple[str, ...]:
    """The ISO codes of the countries of the source a batch was harvested from (none for other batches)."""
    if batch.harvest_source_id is None:
        return ()
    return tuple(batch.harvest_source.countries.values_list("code", flat=True))


def with_hints(mentions: list[CountryMention], hints: tuple[str, ...]) -> list[CountryMention]:
    """The countries the text names; when it names none, the source's."""
    if mentions or not hints:
        return mentions
    return [CountryMention(code, count=0, weight=0.0, about=True) for code in hints]
