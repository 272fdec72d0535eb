"""Multi-step writes to the archive. Index updates follow from the signals in `signals.py`,
and from `tag_countries`, whose changes to an article's tags no signal sees."""

import hashlib
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, transaction

from .attachments import keep_attachments
from .history import VERSIONED_FIELDS, record_version
from .identity import Match, identifier_kind, match_article
from .ingest.countries import CountryMention, find_countries
from .ingest.errors import RejectedArticle
from .ingest.parsing import ParsedArticle
from .models import Article, ArticleCountry, ArticleRemoval, CountryChoice, ImportItem
from .search import schedule_index_update

Outcome = ImportItem.Outcome  # an import's result is recorded as the outcome of its item


@dataclass(frozen=True)
class ImportResult:
    outcome: Outcome  # CREATED, UPDATED or UNCHANGED (FAILED raises RejectedArticle)
    article: Article
    reason: str = ""  # which rule decided (identity.py), for the batch page


def article_fingerprint(*, title: str, published, body: str) -> str:
    """The same release, whitespace aside, always has the same fingerprint."""
    normalised = "\n".join(
        (" ".join(title.split()).casefold(), published.isoformat(), " ".join(body.split()))
    )
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def stored_texts(fingerprints) -> set[tuple[str, str | None]]:
    """(fingerprint, identifier) of the stored articles with these fingerprints: a parsed release whose
    (fingerprint, identifier or None) is among them is in the archive already (importing it again
    changes nothing)."""
    fingerprints = sorted(set(fingerprints))
    stored = set()
    for start in range(0, len(fingerprints), 500):  # SQLite limits the parameters of one statement
        same_text = Article.objects.filter(fingerprint__in=fingerprints[start : start + 500])
        stored.update(same_text.values_list("fingerprint", "identifier"))
    return stored


def parsed_fingerprint(parsed: ParsedArticle) -> str:
    return article_fingerprint(title=parsed.title, published=parsed.published, body=parsed.body)


def text_twin(article: Article) -> Article | None:
    """Another release without an identifier that has this article's very title, date and text."""
    if article.identifier:
        return None
    return (
        Article.objects.with_fingerprint(article.fingerprint)
        .without_identifier()
        .exclude(pk=article.pk)
        .first()
    )


def article_import(
    *, parsed: ParsedArticle, batch=None, mentions: list[CountryMention] | None = None
) -> ImportResult:
    """Store a parsed release: identical text is a no-op, the same release with a changed text
    (identity.py decides) is updated, keeping what it replaced as a version, and anything else
    is a new release. Nothing stored is ever overwritten without its version.

    `mentions`, the release's countries found beforehand, lets a caller keep that work out of
    its transaction (which, on SQLite, holds the write lock).

    Its attachments are kept whatever the outcome: a release sent again with a new annex gains it.
    """
    try:
        with transaction.atomic():
            return _with_attachments(_import(parsed, batch, mentions), parsed, batch)
    except IntegrityError:
        # Another process stored the same release (its identifier, or its text) between our check and
        # our insert; now the match finds it.
        with transaction.atomic():
            return _with_attachments(_import(parsed, batch, mentions), parsed, batch)


def _with_attachments(result: ImportResult, parsed: ParsedArticle, batch) -> ImportResult:
    """The result once the release's attachments are kept, its reason saying what was added or left out."""
    added = keep_attachments(result.article, parsed.attachments, batch=batch) if parsed.attachments else 0
    told = (
        [f"{added} attachment{'s' if added > 1 else ''} added"]
        if added and result.outcome == Outcome.UNCHANGED
        else []
    )
    return replace(result, reason=reason_with_notes(parsed, result.reason, *told))


def reason_with_notes(parsed: ParsedArticle, *reasons: str) -> str:
    """An outcome's reason for the batch page, with what the reader noted of the release."""
    return "; ".join(filter(None, (*reasons, *parsed.notes)))


def _import(parsed: ParsedArticle, batch, mentions) -> ImportResult:
    fingerprint = parsed_fingerprint(parsed)
    _refuse_removed_article(parsed, fingerprint)
    if not parsed.identifier:
        same_text = Article.objects.with_fingerprint(fingerprint).without_identifier().first()
        if same_text:
            return ImportResult(Outcome.UNCHANGED, same_text, _state_of(same_text))
    match = match_article(parsed)
    unchanged = match.article is not None and _unchanged_import(match, parsed, fingerprint)
    if unchanged:
        return unchanged
    outcome = Outcome.UPDATED if match.article else Outcome.CREATED
    article, reason = _store_parsed(match, parsed, fingerprint, batch)
    tags = _tag_imported_countries(article, parsed, mentions)
    record_version(article, how=import_how(batch), batch=batch, countries=tags)
    if outcome == Outcome.UPDATED and not article.is_public:
        reason = f"{reason}; {_state_of(article)}"
    return ImportResult(outcome, article, reason)


def import_how(batch) -> str:
    """How an import names itself in the versions it writes."""
    return f"import batch {batch.pk}" if batch else "import"


def _refuse_removed_article(parsed: ParsedArticle, fingerprint: str) -> None:
    """A release removed for good is not brought back by importing its text or identifier again."""
    removal = ArticleRemoval.objects.of_article(identifier=parsed.identifier, fingerprint=fingerprint).first()
    if removal:
        raise RejectedArticle(
            f"Release #{removal.article_id} was removed from the archive for good "
            f"on {removal.removed.day} {removal.removed:%B %Y}, "
            "and this is its text or its identifier: it is not imported again."
        )


def _unchanged_import(match: Match, parsed: ParsedArticle, fingerprint: str) -> ImportResult | None:
    """What an import of a stored release says when it changes nothing: the release says the same
    already, or this is the text of one of its earlier versions; None when it is a change."""
    article = match.article
    if _says_the_same(article, parsed, fingerprint):
        return ImportResult(
            Outcome.UNCHANGED, article, "; ".join(filter(None, (match.reason, _state_of(article))))
        )
    earlier = article.fingerprint != fingerprint and _earlier_version_with_text(article, parsed)
    if earlier:
        # A file sent again after a correction, or two texts under one id in one file: taking each in
        # turn would flip the release back and forth, telling readers of a change each time.
        return ImportResult(
            Outcome.UNCHANGED,
            article,
            (
                f"the text of version {earlier} of #{article.pk}, which a later version replaced; "
                "restore it in the admin to make it current"
            ),
        )
    return None


def _store_parsed(match: Match, parsed: ParsedArticle, fingerprint: str, batch) -> tuple[Article, str]:
    """Write the parsed release over the matched one (or into a new one) and save it; with the
    reason for the batch page, which says when a stored release takes the sender's identifier."""
    article = match.article or Article()
    reason = match.reason
    if parsed.identifier and not article.identifier and article.pk:
        reason = "; ".join(filter(None, (reason, f"#{article.pk} takes its {identifier_kind(parsed)}")))
    write_parsed(article, parsed, fingerprint, batch)
    article.save()
    return article, reason


def write_parsed(article: Article, parsed: ParsedArticle, fingerprint: str, batch) -> None:
    """Set the article's fields from the parsed release, unsaved (a stored one lacking an id takes it)."""
    if parsed.identifier and not article.identifier:
        article.identifier = parsed.identifier
    article.title, article.published, article.body, article.source = (
        parsed.title,
        parsed.published,
        parsed.body,
        parsed.source,
    )
    article.source_url = parsed.source_url or article.source_url
    article.fingerprint = fingerprint
    article.import_batch = batch or article.import_batch


def _tag_imported_countries(article: Article, parsed: ParsedArticle, mentions) -> dict[str, float]:
    """Tag the stored release with its countries (a sender's list, if it gave one, decides which);
    returns its tags, for its version."""
    mentions = find_countries(article.title, article.body) if mentions is None else mentions
    if parsed.countries is not None:
        choose_only_countries(article, parsed.countries, mentions)
    return tag_countries(article, mentions=mentions).after


def _earlier_version_with_text(article: Article, parsed: ParsedArticle) -> int | None:
    """The number of an earlier version of the article with exactly this title, date and text."""
    same = article.versions.filter(title=parsed.title, published=parsed.published, body=parsed.body)
    return same.order_by("-number").values_list("number", flat=True).first()


def _says_the_same(article: Article, parsed: ParsedArticle, fingerprint: str) -> bool:
    """Nothing to update: the same text, and no source URL or identifier the article lacks."""
    new_url = parsed.source_url and parsed.source_url != article.source_url
    return (
        article.fingerprint == fingerprint
        and not new_url
        and not (parsed.identifier and not article.identifier)
    )


def _state_of(article: Article) -> str:
    """What an editor needs to know of a release an import found: that readers do not see it."""
    if article.withdrawn:
        return f"#{article.pk} is withdrawn and stays so until an editor restores it"
    if article.merged_into_id:
        return f"#{article.pk} is merged into #{article.merged_into_id}"
    return ""


@dataclass(frozen=True)
class CountryChange:
    """An article's countries before and after tagging: ISO code -> weight."""

    before: dict[str, float]
    after: dict[str, float]

    @property
    def added(self) -> list[str]:
        return sorted(self.after.keys() - self.before.keys())

    @property
    def removed(self) -> list[str]:
        return sorted(self.before.keys() - self.after.keys())

    @property
    def reweighted(self) -> list[str]:
        return sorted(
            code for code in self.after.keys() & self.before.keys() if self.after[code] != self.before[code]
        )

    def __bool__(self):
        return self.before != self.after


def countries_to_tag(mentions: list[CountryMention], choices: dict[str, bool]) -> dict[str, float]:
    """The countries an article is about: what its text is about, as its editors' choices allow."""
    tags = {mention.code: mention.weight for mention in mentions if choices.get(mention.code, mention.about)}
    for code, included in choices.items():
        if included:
            tags.setdefault(code, 0.0)
    return tags


def tag_countries(
    article: Article, *, mentions: list[CountryMention] | None = None, dry_run: bool = False
) -> CountryChange:
    """Tag an article with the countries its text is about (`mentions`, if already found),
    leaving editors' choices alone."""
    if mentions is None:
        mentions = find_countries(article.title, article.body)
    choices = dict(article.country_choices.values_list("country_id", "included"))
    change = CountryChange(
        before=dict(article.country_tags.values_list("country_id", "weight")),
        after=countries_to_tag(mentions, choices),
    )
    if change and not dry_run:
        with transaction.atomic():
            article.country_tags.filter(country_id__in=change.removed).delete()
            for code in change.reweighted:
                article.country_tags.filter(country_id=code).update(weight=change.after[code])
            ArticleCountry.objects.bulk_create(
                ArticleCountry(article=article, country_id=code, weight=change.after[code])
                for code in change.added
            )
            schedule_index_update(article.pk)
    return change


def choose_country(article: Article, code: str, *, included: bool) -> None:
    """Record an editor's word on one country; `tag_countries` applies it."""
    CountryChoice.objects.update_or_create(article=article, country_id=code, defaults={"included": included})


def choose_only_countries(article: Article, codes, mentions: list[CountryMention]) -> None:
    """A sender's list of countries (CSV, JSON): those, and none of the others the text
    (whose `mentions` are given) is about."""
    for code in codes:
        choose_country(article, code, included=True)
    about = {mention.code for mention in mentions if mention.about}
    chosen_before = set(article.country_choices.filter(included=True).values_list("country_id", flat=True))
    for code in (about | chosen_before) - set(codes):
        choose_country(article, code, included=False)


RETAG_BATCH = 500


@dataclass
class RetagSummary:
    checked: int = 0
    changes: list[tuple[Article, CountryChange]] = field(default_factory=list)
    with_choices: int = 0  # articles whose editors' choices were kept


def retag_archive(*, dry_run: bool = False, progress=None) -> RetagSummary:
    """Run country extraction over every article again, keeping editors' choices; the index follows."""
    summary = RetagSummary()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), RETAG_BATCH):
        chunk = ids[start : start + RETAG_BATCH]
        with transaction.atomic():  # the index catches up as each batch commits
            articles = Article.objects.filter(pk__in=chunk).only("pk", *VERSIONED_FIELDS).order_by("pk")
            for article in articles:
                change = tag_countries(article, dry_run=dry_run)
                summary.checked += 1
                if change:
                    summary.changes.append((article, change))
                    if not dry_run:
                        record_version(
                            article, how="country retag", major=False, note="The countries were found again."
                        )
        if progress:
            progress(len(chunk))
    summary.with_choices = CountryChoice.objects.values("article").distinct().count()
    return summary
