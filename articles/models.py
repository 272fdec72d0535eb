"""The archive's truth: articles, their versions, the countries they are about, and the change log
the search indexes follow."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .harvesting.addresses import source_address
from .ingest.tokens import fold

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


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """What readers see: neither withdrawn nor merged into another release."""
        return self.filter(withdrawn__isnull=True, merged_into__isnull=True)

    def withdrawn(self):
        return self.filter(withdrawn__isnull=False)

    def not_withdrawn(self):
        return self.filter(withdrawn__isnull=True)

    def merged(self):
        return self.filter(merged_into__isnull=False)

    def not_merged(self):
        return self.filter(merged_into__isnull=True)

    def with_fingerprint(self, fingerprint: str):
        """Those with this very title, date and text (whitespace aside)."""
        return self.filter(fingerprint=fingerprint)

    def without_identifier(self):
        """Those whose sender gave no id or URL: of these, one per text (one_text_without_identifier)."""
        return self.filter(identifier__isnull=True)

    def without_versions(self):
        return self.filter(versions__isnull=True)

    def newest_first(self):
        """By publication date, newest first; a day's articles in the order they were stored."""
        return self.order_by("-published", "pk")


class Article(models.Model):
    """A release as it reads now; its earlier versions are its `versions` (history.py)."""

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, allow_unicode=False)
    published = models.DateField(db_index=True)
    body = models.TextField(help_text="Plain text; paragraphs are separated by blank lines.")
    source = models.CharField(max_length=100, blank=True)
    # The countries the release is about, each with how prominently its text names it.
    countries = models.ManyToManyField(Country, through="ArticleCountry", blank=True, related_name="articles")
    fingerprint = models.CharField(
        max_length=64,
        help_text="SHA-256 of the normalised title, date and body: the same release is stored once.",
    )
    # Who the release says it is: the sender's id, else its URL (a CSV or JSON column, later an
    # HTML page's canonical URL or an e-mail's Message-ID). Same identifier, new text: an update.
    identifier = models.CharField(
        max_length=1000,
        null=True,
        blank=True,
        unique=True,
        help_text="The sender's id or URL for this release; an import with the same one updates it.",
    )
    source_url = models.URLField(
        "source URL", max_length=1000, blank=True, help_text="Where the sender published it."
    )
    withdrawn = models.DateTimeField(
        null=True, blank=True, help_text="When it left search, feeds and the sitemap."
    )
    withdrawn_note = models.TextField(blank=True, help_text="Why it was withdrawn; shown on its page.")
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        help_text="The release this one turned out to be; its permalink redirects there.",
    )
    import_batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text="The import that last created or updated this article.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [
            models.Index(fields=["title", "published"]),
            # An import asks which of its releases' texts are stored; the unique constraint's
            # index covers only releases without an identifier, so at a million releases each
            # such question read the whole table.
            models.Index(fields=["fingerprint"], name="article_fingerprint"),
        ]
        constraints = [
            # Two releases may share a text when their senders gave them different identifiers.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(identifier__isnull=True),
                name="one_text_without_identifier",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.set_slug()
        super().save(*args, **kwargs)

    def set_slug(self):
        """The slug from the title (`save` sets it; a bulk insert, which bypasses `save`, calls this)."""
        self.slug = slug_for(self.title)

    def get_absolute_url(self):
        return reverse("article", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def paragraphs(self):
        return paragraphs_of(self.body)

    @property
    def is_public(self) -> bool:
        return self.withdrawn is None and self.merged_into_id is None

    def previous_article(self):
        """The release published just before this one (by date, then by number)."""
        # Two queries that each follow an index, rather than one OR that scans the table.
        neighbours = Article.objects.public().only("pk", "slug", "title", "published")
        return (
            neighbours.filter(published=self.published, pk__lt=self.pk).order_by("-pk").first()
            or neighbours.filter(published__lt=self.published).order_by("-published", "-pk").first()
        )

    def next_article(self):
        neighbours = Article.objects.public().only("pk", "slug", "title", "published")
        return (
            neighbours.filter(published=self.published, pk__gt=self.pk).order_by("pk").first()
            or neighbours.filter(published__gt=self.published).order_by("published", "pk").first()
        )


def slug_for(title: str) -> str:
    """The slug an article's permalink shows for its title (written on every save)."""
    return slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "release"


def paragraphs_of(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


class ArticleVersionQuerySet(models.QuerySet):
    def major(self):
        """The changes readers are told of (a minor one, a typo, is kept quietly)."""
        return self.filter(major=True)

    def of_public_articles(self):
        return self.filter(article__withdrawn__isnull=True, article__merged_into__isnull=True)

    def latest_first(self):
        return self.order_by("-number")

    def latest_number(self) -> int | None:
        return self.latest_first().values_list("number", flat=True).first()


class ArticleVersion(models.Model):
    """A release as it read from `created` until the next version: written with every change of
    its text, title, date, source or countries, never changed or deleted afterwards.

    Kept as plain columns rather than serialised model instances, so that a version page
    bookmarked today still renders after the Article model has changed.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1 for the release as first stored, then 2, 3...")
    title = models.CharField(max_length=500)
    published = models.DateField()
    body = models.TextField()
    source = models.CharField(max_length=100, blank=True)
    source_url = models.URLField("source URL", max_length=1000, blank=True)
    countries = models.JSONField(default=dict, help_text="ISO code -> weight, as tagged in this version.")
    created = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    how = models.CharField(
        max_length=200, help_text="What made it: an admin edit, import batch 12, a country retag..."
    )
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    major = models.BooleanField(
        default=True, help_text="Readers are told of a major change; a minor one (a typo) is kept quietly."
    )
    note = models.TextField(blank=True, help_text="What changed, for readers.")
    split_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="split_into",
        help_text="The version of another release this release was split out of.",
    )

    objects = ArticleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="one_version_per_number")]

    def __str__(self):
        return f"version {self.number} of article {self.article_id}"

    def get_absolute_url(self):
        return reverse(
            "article-version",
            kwargs={"pk": self.article_id, "slug": self.article.slug, "number": self.number},
        )

    @property
    def paragraphs(self):
        return paragraphs_of(self.body)


class ArticleRemovalQuerySet(models.QuerySet):
    def of_article(self, *, identifier: str, fingerprint: str):
        """The removals of a release with this identifier or this very text (they are few: a scan is fine)."""
        by_text = Q(fingerprints__contains=fingerprint)
        return self.filter(by_text | Q(identifier=identifier) if identifier else by_text)


class ArticleRemoval(models.Model):
    """The trace a release removed for good (a legal removal) leaves: its permalink answers 410 with this."""

    article_id = models.BigIntegerField(unique=True)
    removed = models.DateTimeField(auto_now_add=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(help_text="Shown on the permalink's page.")
    # What stops an import from bringing the release back: its identifier, and the SHA-256
    # fingerprints of every version it had (space-separated digests, from which no text can be read).
    identifier = models.CharField(max_length=1000, blank=True, db_index=True)
    fingerprints = models.TextField(blank=True)

    objects = ArticleRemovalQuerySet.as_manager()

    class Meta:
        ordering = ["-removed"]

    def __str__(self):
        return f"removal of article {self.article_id}"


class ArticleCountry(models.Model):
    """A country an article is about, and how prominently its text names it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="country_tags")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField(
        default=0.0,
        help_text="Title or dateline 3, opening sentence 2, rest of the opening 1.5, later 1, per mention; "
        "0 when the text does not name it and an editor chose it.",
    )

    class Meta:
        ordering = ["-weight", "country"]
        constraints = [models.UniqueConstraint(fields=["article", "country"], name="one_tag_per_country")]
        verbose_name = "country"

    def __str__(self):
        return f"{self.country_id} ({self.weight:g})"


class CountryChoice(models.Model):
    """An editor's (or a sender's) word on one country of one article: keep it, or leave it out.

    Extraction decides the rest; re-extraction and re-imports never override a choice.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="country_choices")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    included = models.BooleanField(
        "about it", help_text="Ticked: the article is about this country; not ticked: it is not."
    )
    made = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country"]
        constraints = [models.UniqueConstraint(fields=["article", "country"], name="one_choice_per_country")]

    def __str__(self):
        return f"{'+' if self.included else '-'}{self.country_id}"


class ImportBatchQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=ImportBatch.IN_PROGRESS)


class ImportBatch(models.Model):
    """One upload (of one or more files) or one run of `import_articles`, and how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"  # stopped by something other than a bad release; `failure` says what

    IN_PROGRESS = (Status.QUEUED, Status.RUNNING)

    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    origin = models.CharField(max_length=40, default="admin upload")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The counters are the recorded outcomes, counted again after each transaction (importing.py),
    # so processing a batch again can never count a release twice.
    total = models.PositiveIntegerField(default=0, help_text="Releases found so far.")
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField("created", default=0)
    updated_count = models.PositiveIntegerField("updated", default=0)
    unchanged_count = models.PositiveIntegerField("unchanged", default=0)
    failed_count = models.PositiveIntegerField("failed", default=0)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True, help_text="Why processing stopped, when it did.")
    # A poll of a harvesting source: its country hints apply to its releases (harvesting/hints.py).
    harvest_source = models.ForeignKey(
        "HarvestSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    note = models.TextField(blank=True, help_text="What the batch left out, and why (a poll's item cap).")

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "import batches"

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    def __str__(self):
        return f"Import {self.pk} ({self.created:%Y-%m-%d %H:%M})"

    def outcome_counts(self) -> dict[str, int]:
        """ImportItem.Outcome -> how many of the batch's releases had it so far, in the enum's order."""
        outcome = ImportItem.Outcome
        return {
            outcome.CREATED: self.created_count,
            outcome.UPDATED: self.updated_count,
            outcome.UNCHANGED: self.unchanged_count,
            outcome.FAILED: self.failed_count,
        }

    def summary(self) -> str:
        counted = ", ".join(f"{count:,} {outcome}" for outcome, count in self.outcome_counts().items())
        return f"{counted}." + (f" {self.failure}" if self.status == self.Status.FAILED else "")


class ImportFile(models.Model):
    """A file of a batch, kept as it was uploaded so it can be inspected or imported again."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    upload = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    path = models.CharField(max_length=1000, blank=True, help_text="Where `import_articles` read it from.")
    size = models.PositiveBigIntegerField(default=0)
    # A harvested page: its address names the release when the page states no canonical URL,
    # and a page that could not be fetched is kept as the reason, one failed release.
    url = models.URLField("URL", max_length=1000, blank=True, help_text="Where a harvested page was fetched.")
    fetch_failure = models.TextField(blank=True, help_text="Why a harvested page could not be fetched.")

    def __str__(self):
        return self.name

    def read(self) -> bytes:
        with self.open() as handle:
            return handle.read()

    def open(self):
        """The file as uploaded, or as it is now where `import_articles` read it (FileNotFoundError: gone)."""
        return self.upload.open("rb") if self.upload else open(self.path, "rb")  # noqa: SIM115 (the caller closes it)

    @property
    def is_kept(self) -> bool:
        """Whether the file can still be had: an upload is kept; a command line's file may have moved."""
        return bool(self.upload) or bool(self.path) and Path(self.path).is_file()


class ImportItemQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(outcome=ImportItem.Outcome.FAILED)


class ImportItem(models.Model):
    """What became of one release of a batch."""

    class Outcome(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        UNCHANGED = "unchanged"
        FAILED = "failed"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    source_file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="The release's place in its file, from 0.")
    location = models.CharField(
        max_length=500, blank=True, help_text="Archive member, CSV line or JSON line."
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(
        blank=True, help_text="Why it failed, or which rule made it an update or a new release."
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_items"
    )

    objects = ImportItemQuerySet.as_manager()

    class Meta:
        ordering = ["source_file_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["source_file", "position"], name="one_item_per_release")
        ]

    def __str__(self):
        return f"{self.source_file.name} {self.location}: {self.outcome}"


class ArticleAttachmentQuerySet(models.QuerySet):
    def shown_with(self, article: Article):
        """The files a release's page offers: its own, and those of the releases merged into it
        (a merge keeps each file with its own release, so undoing it takes nothing away)."""
        merged_in = Q(article__merged_into=article, article__withdrawn__isnull=True)
        return self.filter(Q(article=article) | merged_in).order_by("created", "pk")

    def with_file(self, name: str):
        return self.filter(file=name)


def attachment_path(attachment, filename: str) -> str:
    """Files are kept by their SHA-256, so the same bytes are written once whoever sent them."""
    return f"attachments/{attachment.sha256[:2]}/{attachment.sha256}/{filename}"


class ArticleAttachment(models.Model):
    """A file that came with a release (a photo, an annex, the original PDF), offered for download."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(
        max_length=255, help_text="The file's name as sent, made safe (ingest/attachments.py)."
    )
    content_type = models.CharField(
        max_length=127, help_text="What the sender said it is; downloads are served by the name's suffix."
    )
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=500)
    created = models.DateTimeField(auto_now_add=True)
    batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
        help_text="The import that brought it.",
    )

    objects = ArticleAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["article", "created", "pk"]
        constraints = [models.UniqueConstraint(fields=["article", "sha256"], name="one_copy_per_article")]

    def __str__(self):
        return self.name

    @property
    def kind(self) -> str:
        """What readers are told the file is: its suffix ("PDF", "JPG"), else "file"."""
        suffix = self.name.rpartition(".")[2] if "." in self.name else ""
        return suffix.upper() if suffix.isalnum() else "file"

    def get_absolute_url(self, article: Article | None = None):
        """Its download address under `article` (the release showing it), else its own."""
        article = article or self.article
        return reverse(
            "article-attachment",
            kwargs={"pk": article.pk, "slug": article.slug, "attachment_pk": self.pk, "name": self.name},
        )


class HarvestSourceQuerySet(models.QuerySet):
    def due(self, now):
        """Active sources whose poll time has come and that no poll holds (or whose poll's hold lapsed)."""
        return self.filter(active=True, next_poll__lte=now).filter(
            Q(polling_since__isnull=True) | Q(polling_since__lt=now - HarvestSource.HOLD_LAPSES_AFTER)
        )

    def failing(self):
        return self.filter(failing_since__isnull=False)


class HarvestSource(models.Model):
    """A press office's feed or sitemap, which the task worker polls for new releases (harvesting/)."""

    MIN_INTERVAL_MINUTES = 5
    MAX_INTERVAL_MINUTES = 7 * 24 * 60
    # A poll ends its fetching within PRESSROOM_HARVEST_POLL_SECONDS (at most 20 minutes); a hold
    # older than this is a dead worker's.
    HOLD_LAPSES_AFTER = datetime.timedelta(minutes=30)

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(
        "URL",
        max_length=1000,
        unique=True,
        help_text="The RSS or Atom feed, or the sitemap, of the press page.",
    )
    interval = models.PositiveIntegerField(
        "poll every (minutes)",
        default=60,
        validators=[MinValueValidator(MIN_INTERVAL_MINUTES), MaxValueValidator(MAX_INTERVAL_MINUTES)],
    )
    countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="+",
        help_text="Tagged on a release whose text names no country (a ministry's own country, say).",
    )
    active = models.BooleanField(default=True, help_text="Not ticked: the source is not polled.")
    # The poll's state, written by the poll alone.
    kind = models.CharField(max_length=40, blank=True, editable=False, help_text="What the URL answered.")
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    next_poll = models.DateTimeField(default=timezone.now, db_index=True)
    polling_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField("consecutive failures", default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = HarvestSourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.url = source_address(self.url)

    def save(self, *args, **kwargs):
        # In one spelling, so that the URL's uniqueness holds for the feed, not for how it was typed.
        self.url = source_address(self.url)
        super().save(*args, **kwargs)

    def registered_as(self) -> "HarvestSource | None":
        """Another source registered at this address, however its URL was spelt."""
        address = source_address(self.url)
        others = HarvestSource.objects.exclude(pk=self.pk).only("pk", "name", "url")
        # Read in full rather than asked of the database: sources registered before addresses had
        # one spelling may be spelt otherwise; an archive has tens or hundreds of sources.
        return next((other for other in others if source_address(other.url) == address), None)


class HarvestedPage(models.Model):
    """A page a source listed and Pressroom fetched: the feed's date for it then, and the copy kept,
    so a poll reads that copy again rather than fetch a page whose feed date has not changed."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="pages")
    url = models.URLField("URL", max_length=1000)
    stamp = models.CharField(max_length=100, blank=True, help_text="The feed's updated date (or lastmod).")
    copy = models.ForeignKey(ImportFile, null=True, on_delete=models.SET_NULL, related_name="+")
    fetched = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "url"], name="one_page_per_source_url")]

    def __str__(self):
        return self.url


class IndexChangeQuerySet(models.QuerySet):
    def after(self, position) -> "IndexChangeQuerySet":
        """The entries after a position in the log (articles/search/change_log.py), in log order.

        Two ranges of the log's index, the rest of the position's transaction and the transactions
        after it, merged: as one OR, SQLite scanned the whole index (at a million entries 140 ms
        for every step of every index update; as two ranges 0.2 ms).
        """
        rest_of_transaction, later = self._ranges_after(position)
        return rest_of_transaction.union(later, all=True).order_by("transaction", "id")

    def count_after(self, position, most: int) -> int:
        """How many entries lie after a position, counted up to `most`."""
        rest_of_transaction, later = self._ranges_after(position)
        counted = rest_of_transaction[:most].count()
        return counted + (later[: most - counted].count() if counted < most else 0)

    def _ranges_after(self, position) -> tuple["IndexChangeQuerySet", "IndexChangeQuerySet"]:
        return (
            self.filter(transaction=position.transaction, id__gt=position.change),
            self.filter(transaction__gt=position.transaction),
        )

    def up_to(self, position) -> "IndexChangeQuerySet":
        return self.filter(
            Q(transaction__lt=position.transaction)
            | Q(transaction=position.transaction, id__lte=position.change)
        )


class IndexChange(models.Model):
    """An entry of the change log every search index follows: this article changed or went.

    Written in the same transaction as the change and never consumed: each index keeps its own
    position in the log (articles/search/cursors.py). Not a foreign key: a deleted article still
    owes every index its removal.
    """

    class Kind(models.TextChoices):
        SAVED = "saved", "saved"
        REMOVED = "removed", "removed"

    article_id = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SAVED)
    # PostgreSQL commits transactions out of the order their entries were numbered in; the
    # writing transaction's id tells a follower which entries can no longer be joined by
    # earlier ones (change_log.py). 0 on SQLite, whose writers take turns.
    transaction = models.BigIntegerField(default=0)
    recorded = models.DateTimeField(db_default=Now())

    objects = IndexChangeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["transaction", "id"], name="index_change_log_order")]

    def __str__(self):
        return f"{self.article_id} {self.kind}"


class PrunedChanges(models.Model):
    """How far the change log was pruned: an index whose position lies before this cannot catch up.

    One row (pk 1), moved forward only.
    """

    transaction = models.BigIntegerField(default=0)
    change = models.BigIntegerField(default=0)
    pruned = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"pruned through ({self.transaction}, {self.change})"


class IndexNode(models.Model):
    """A machine with its own search index, as it last reported itself (articles/search/nodes.py)."""

    name = models.CharField(max_length=255, unique=True)
    generation = models.CharField(max_length=64, blank=True)
    transaction = models.BigIntegerField(default=0)
    change = models.BigIntegerField(default=0)
    unapplied = models.PositiveIntegerField(default=0)
    lag_seconds = models.FloatField(default=0)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkerHeartbeat(models.Model):
    """A background task worker's sign of life, written every few seconds (articles/worker.py)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"task worker {self.pid} on {self.host}"


def country_names() -> dict[str, str]:
    """ISO code -> name for every country, read once per process (the list changes only by migration)."""
    if not _COUNTRY_NAMES:
        _COUNTRY_NAMES.update(Country.objects.values_list("code", "name"))
    return _COUNTRY_NAMES


_COUNTRY_NAMES: dict[str, str] = {}


def matching_country_names(text: str, limit: int = 3) -> list[str]:
    """Country names beginning with what was typed (two letters at least, one word or more)."""
    typed = fold(" ".join(text.split()))
    if len(typed) < 2:
        return []
    return sorted(name for name in country_names().values() if fold(name).startswith(typed))[
        :limit
    ]  # "turk" finds Türkiye


# The alerts' models are the app's too (migrations, admin); imported last, as they refer to Article.
from .alerts.models import (  # noqa: E402, F401
    Alert,
    ConfirmationRequest,
    Delivery,
    PendingAlertMatch,
    Subscription,
)
from .webhooks.models import Webhook, WebhookDelivery  # noqa: E402, F401
