"""A result set as CSV, safe to open in a spreadsheet."""

import csv

COLUMNS = ("id", "title", "published", "countries", "source", "url")
# A cell starting with one of these is a formula to a spreadsheet; a leading apostrophe keeps it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_results_csv(stream, hits, absolute_url) -> None:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for hit in hits:
        article = hit.article
        row = (
            article.pk,
            article.title,
            article.published.isoformat(),
            " ".join(country.code for country in article.countries.all()),
            article.source,
            absolute_url(article.get_absolute_url()),
        )
        writer.writerow([_as_text(value) for value in row])


def _as_text(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value
