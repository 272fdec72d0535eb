"""Which of many stored searches each of a few new releases matches: the search run backwards.

The releases just indexed are written to a small index in memory, with the archive's schema
and `article_to_document`, and each search is run on it with the search page's own matching
(searching.matching_documents). The work grows with searches x new releases, not with the
archive, and a search matches a release exactly when the page would show it.
"""

from collections.abc import Iterable, Mapping
from typing import TypeVar

import numpy as np
from whoosh.filedb.filestore import RamStorage

from .arrays import IndexArrays
from .schema import SCHEMA, article_to_document
from .searching import SearchRequest, matching_documents

Key = TypeVar("Key")


def percolate(articles: Iterable, searches: Mapping[Key, SearchRequest]) -> dict[Key, list[int]]:
    """For each search that matches any of the articles, the ids of those it matches."""
    if not searches:  # nobody follows a search (a new archive's demo releases): nothing to index
        return {}
    ix = RamStorage().create_index(SCHEMA)
    writer = ix.writer()
    for article in articles:
        writer.add_document(**article_to_document(article))
    writer.commit()
    found: dict[Key, list[int]] = {}
    with ix.searcher() as searcher:
        arrays = IndexArrays(searcher)
        if not arrays.size:
            return found
        ids = np.array([int(searcher.stored_fields(number)["id"]) for number in range(arrays.size)])
        for key, request in searches.items():
            matched = matching_documents(request, arrays)
            if matched.any():
                found[key] = sorted(ids[matched].tolist())
    return found
