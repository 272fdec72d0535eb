"""The SQLite FTS5 baseline: the same articles in an FTS5 table, searched the way FTS5 is meant to be.

Porter stemming, bm25() ranking with titles weighted twice, snippet() highlights, and exact
country counts by a GROUP BY over the matching rows. Used by the search and import benchmarks.
"""

import re
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61');
CREATE TABLE docs (id INTEGER PRIMARY KEY, published INTEGER NOT NULL);
CREATE TABLE doc_countries (doc INTEGER NOT NULL, code TEXT NOT NULL);
CREATE INDEX doc_countries_doc ON doc_countries (doc);
CREATE INDEX doc_countries_code ON doc_countries (code, doc);
CREATE INDEX docs_published ON docs (published);
"""


def build(path: Path, rows) -> sqlite3.Connection:
    """rows: (id, title, body, published as 20190927, country codes)."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    add(connection, rows)
    connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    return connection


def add(connection: sqlite3.Connection, rows) -> None:
    """Insert rows into a built table, in one transaction."""
    with connection:
        for article_id, title, body, published, codes in rows:
            connection.execute(
                "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", (article_id, title, body)
            )
            connection.execute("INSERT INTO docs (id, published) VALUES (?, ?)", (article_id, published))
            connection.executemany(
                "INSERT INTO doc_countries VALUES (?, ?)", [(article_id, code) for code in codes]
            )


def fts_query(text: str) -> str:
    """Words (all must match) and "phrases" in FTS5's syntax; other characters dropped."""
    phrases = re.findall(r'"([^"]*)"', text)
    words = re.sub(r'"[^"]*"', " ", text).split()
    parts = ['"' + " ".join(re.findall(r"\w+", phrase)) + '"' for phrase in phrases]
    parts += [f'"{word}"' for word in (re.sub(r"\W", "", word) for word in words) if word]
    return " AND ".join(parts)


def search(connection, text, countries=(), first_day=None, last_day=None, limit=10):
    """(count, {country: count}, [(id, snippet)]) as the search page needs them."""
    match = fts_query(text)
    dates = "AND docs.published BETWEEN :first AND :last" if first_day else ""
    placeholders = ", ".join(f":c{number}" for number in range(len(countries)))
    chosen = (
        f"AND docs.id IN (SELECT doc FROM doc_countries WHERE code IN ({placeholders}))" if countries else ""
    )
    params = {
        "match": match,
        "first": first_day,
        "last": last_day,
        **{f"c{n}": code for n, code in enumerate(countries)},
    }
    matched = (
        f"SELECT fts.rowid AS id FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH :match {dates}"
    )
    facets = dict(
        connection.execute(
            f"SELECT code, count(*) FROM ({matched}) AS m "
            "JOIN doc_countries ON doc_countries.doc = m.id GROUP BY code",
            params,
        ).fetchall()
    )
    count = connection.execute(f"SELECT count(*) FROM ({matched} {chosen})", params).fetchone()[0]
    top = connection.execute(
        "SELECT fts.rowid, snippet(fts, 1, '<mark>', '</mark>', ' … ', 24) "
        "FROM fts JOIN docs ON docs.id = fts.rowid "
        f"WHERE fts MATCH :match {dates} {chosen} ORDER BY bm25(fts, 2.0, 1.0) LIMIT {int(limit)}",
        params,
    ).fetchall()
    return count, facets, top
