"""What a web worker keeps of the index in memory: the settings, or budgets that follow the archive."""

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from articles.search.budgets import Budgets, budgets_for

MB = 1024 * 1024


def test_unset_budgets_follow_the_archives_size():
    assert budgets_for(1_000_000) == Budgets(
        postings=128_000_000, segment_arrays=80_000_000, country_masks=16_000_000
    )
    assert budgets_for(10_000_000).postings == 10 * budgets_for(1_000_000).postings


def test_a_small_archive_keeps_what_a_worker_kept_before():
    assert budgets_for(1_000) == Budgets(postings=64 * MB, segment_arrays=32 * MB, country_masks=4 * MB)
    assert budgets_for(0) == budgets_for(1_000)


def test_a_budget_set_is_kept_whatever_the_archives_size(settings):
    settings.PRESSROOM_POSTINGS_CACHE_BYTES = 300 * MB
    settings.PRESSROOM_COUNTRY_MASKS_BYTES = 1
    assert budgets_for(1_000) == Budgets(postings=300 * MB, segment_arrays=32 * MB, country_masks=1)
    assert budgets_for(1_000_000).postings == 300 * MB


@pytest.fixture
def reread_settings(monkeypatch):
    """The settings module read again with the environment given (and as it was, afterwards)."""
    import pressroom.settings

    def reread(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(pressroom.settings)

    yield reread
    monkeypatch.undo()
    importlib.reload(pressroom.settings)


def test_budgets_are_read_as_bytes_or_with_a_unit(reread_settings):
    read = reread_settings(
        PRESSROOM_POSTINGS_CACHE_BYTES="256M",
        PRESSROOM_SEGMENT_ARRAYS_BYTES="1048576",
        PRESSROOM_COUNTRY_MASKS_BYTES=" 2g ",
    )
    assert read.PRESSROOM_POSTINGS_CACHE_BYTES == 256 * MB
    assert read.PRESSROOM_SEGMENT_ARRAYS_BYTES == MB
    assert read.PRESSROOM_COUNTRY_MASKS_BYTES == 2048 * MB


def test_unset_or_empty_budgets_are_none(reread_settings, monkeypatch):
    monkeypatch.delenv("PRESSROOM_POSTINGS_CACHE_BYTES", raising=False)
    read = reread_settings(PRESSROOM_COUNTRY_MASKS_BYTES="")
    assert read.PRESSROOM_POSTINGS_CACHE_BYTES is None and read.PRESSROOM_COUNTRY_MASKS_BYTES is None


@pytest.mark.parametrize("value", ["0", "lots", "-5", "1.5G", "12T"])
def test_a_budget_that_is_not_a_number_of_bytes_fails_at_start(reread_settings, value):
    with pytest.raises(
        ImproperlyConfigured, match=f"PRESSROOM_SEGMENT_ARRAYS_BYTES must be a number of bytes.*{value}"
    ):
        reread_settings(PRESSROOM_SEGMENT_ARRAYS_BYTES=value)
