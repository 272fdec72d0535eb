"""The archive's truth: articles, the countries they are about, and owed index updates."""
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

SLUG_MAX_LENGTH = 80


class Country(models.Model):
    """An ISO 3166-1 country; rows are loaded from pycountry by a data migration."""

    code = models.CharField("ISO code", max_length=2, primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, allow_unicode=False)
    published = models.DateField(db_index=True)
    body = models.TextField(help_text="Plain text; paragraphs are separated by blank lines.")
    source = models.CharField(max_length=100, blank=True)
    countries = models.ManyToManyField(Country, blank=True, related_name="articles")
    countries_set_by_hand = models.BooleanField(
        default=False,
        help_text="Set when an editor changes the countries; extraction then leaves them alone.",
    )
    fingerprint = models.CharField(
        max_length=64,
        unique=True,
        help_text="SHA-256 of the normalised title, date and body: the same release is stored once.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [models.Index(fields=["title", "published"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.slug = slugify(self.title)[:SLUG_MAX_LENGTH].strip("-") or "release"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("article", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def paragraphs(self):
        return [p for p in self.body.split("\n\n") if p.strip()]


class PendingIndexUpdate(models.Model):
    """An index update owed for an article, written in the same transaction as the change.

    Not a foreign key: a deleted article still owes the index its removal.
    """

    article_id = models.BigIntegerField(db_index=True)
    queued = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"index update for article {self.article_id}"


def country_names() -> dict[str, str]:
    """ISO code -> name for every country, read once per process (the list changes only by migration)."""
    if not _COUNTRY_NAMES:
        _COUNTRY_NAMES.update(Country.objects.values_list("code", "name"))
    return _COUNTRY_NAMES


_COUNTRY_NAMES: dict[str, str] = {}
