"""Search: the only door into this package for the rest of Pressroom.

Everything that imports whoosh lives in this package, so the engine can be swapped; the app,
its commands, pressroom/ and gunicorn.conf.py import what they need from here, never from a
module inside (tests/test_search_boundary.py keeps it so). What is named here:

- searching: `search_articles(SearchRequest(parse_user_query(text)))` gives SearchResults of
  SearchHits, in one of SORTS; `suggest_titles`, `related_articles`; `snippet` (a text's passages
  round the words looked for); `percolate` (which stored searches a few new releases match)
- keeping the index in step with the database: `schedule_index_update` (records the change in
  the log, within the transaction that changes an article), `record_index_changes` (a bulk
  import's, left for a rebuild or the catch-up to apply), `apply_pending_updates`,
  `index_written_beside` (bulk imports), `rebuild_index`, `find_drift` and `repair`
  (check_index), COMMAND_LOCK_TIMEOUT_SECONDS
- the nodes following the change log: `this_node_standing` (its position and lag),
  `report_this_node` (every REPORT_INTERVAL_SECONDS), `prune_change_log`
- the index's state: IndexUnavailable (missing or damaged), `index_exists`, `index_version`
  (for caches), `read_ahead` and `start_index_catchup` (each web worker at start)

Each name is imported from its module when first asked for (PEP 562), so importing the package
costs nothing and needs no app registry: settings, gunicorn.conf.py, apps.py and the migrations
may import it before Django has loaded the models that searching and syncing use.
"""

import importlib

# Each public name, and the module of this package that defines it.
_DEFINED_IN = {
    "search_articles": "searching",
    "SearchRequest": "searching",
    "SearchResults": "searching",
    "SearchHit": "searching",
    "SORTS": "searching",
    "suggest_titles": "searching",
    "related_articles": "searching",
    "percolate": "percolator",
    "snippet": "snippets",
    "parse_user_query": "query",
    "UserQuery": "query",
    "schedule_index_update": "sync",
    "record_index_changes": "sync",
    "apply_pending_updates": "sync",
    "index_written_beside": "sync",
    "rebuild_index": "sync",
    "RebuildFailed": "segment_writing",
    "COMMAND_LOCK_TIMEOUT_SECONDS": "sync",
    "find_drift": "drift",
    "repair": "drift",
    "Drift": "drift",
    "IndexUnavailable": "damage",
    "index_exists": "generations",
    "index_version": "searchers",
    "read_ahead": "searchers",
    "start_index_catchup": "catchup",
    "REPORT_INTERVAL_SECONDS": "catchup",
    "this_node_standing": "nodes",
    "report_this_node": "nodes",
    "prune_change_log": "nodes",
    "Standing": "nodes",
}

__all__ = list(_DEFINED_IN)


def __getattr__(name: str):
    if name not in _DEFINED_IN:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_DEFINED_IN[name]}", __name__), name)
    globals()[name] = value  # found at once from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
