"""Demo releases: a million different ones from one seed, always the same, in the words of real news."""

import re
from collections import Counter

from articles.demo import generate_article_texts
from articles.ingest.countries import countries_about
from articles.ingest.parsing import parse_article
from articles.services import parsed_fingerprint

# The benchmark's query words and phrases (bench/harness.py QUERY_WORDS, bench/harness.py QUERY_PHRASES).
QUERY_WORDS = (
    "trade energy climate health education investment security cooperation agreement delegation minister "
    "talks project scholarships technical regional bilateral memorandum tourism railways fisheries defence "
    "water food"
).split()
PHRASES = (
    "bilateral trade",
    "joint working group",
    "cyber security",
    "food security",
    "memorandum of understanding",
)


def test_twenty_thousand_releases_of_one_seed_are_all_different():
    fingerprints = {
        parsed_fingerprint(parse_article(text)) for text in generate_article_texts(20_000, seed=1)
    }
    assert len(fingerprints) == 20_000


def test_a_release_is_the_same_whichever_run_writes_it():
    fifteen = list(generate_article_texts(15, seed=3))
    assert list(generate_article_texts(15, seed=3)) == fifteen
    assert list(generate_article_texts(5, seed=3, start=11)) == fifteen[10:]  # the next ones, added later
    assert not set(generate_article_texts(15, seed=4)) & set(fifteen)


def test_common_words_are_in_a_share_of_the_archive_and_most_words_are_rare():
    texts = [text.lower() for text in generate_article_texts(2000, seed=2019)]
    releases_with = Counter(word for text in texts for word in set(re.findall(r"[a-z]+", text)))
    shares = {word: releases_with[word] / len(texts) for word in QUERY_WORDS}
    assert all(0.01 <= share <= 0.35 for share in shares.values()), shares
    assert sum(0.05 <= share <= 0.30 for share in shares.values()) >= len(QUERY_WORDS) * 2 // 3, shares
    phrases = {phrase: sum(phrase in text for text in texts) / len(texts) for phrase in PHRASES}
    assert all(0.01 <= share <= 0.35 for share in phrases.values()), phrases
    # As in news: the words of every sentence in nearly all, and a long tail of names met once or twice.
    assert releases_with["the"] == len(texts)
    assert len(releases_with) >= 5000
    assert sum(count <= 5 for count in releases_with.values()) > len(releases_with) / 2


def test_every_release_reads_as_an_upload_and_names_the_countries_it_is_about():
    for text in generate_article_texts(300, seed=2019):
        article = parse_article(text)
        assert article.title and len(article.paragraphs) >= 1
        assert countries_about(article.title, article.body)
