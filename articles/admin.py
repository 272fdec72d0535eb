"""The press office's admin: edit releases, correct their countries, upload release files."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from . import (
    admin_alerts,  # noqa: F401 (registers the subscriptions and the delivery log)
    admin_harvesting,  # noqa: F401 (registers the harvesting sources' admin)
    admin_nodes,  # noqa: F401 (registers the index nodes' list)
    admin_webhooks,  # noqa: F401 (registers the webhooks and their delivery log)
)
from .admin_editing import FORM_METHODS, ArticleEditingAdmin, StateFilter
from .downloads import download_response
from .forms import ArticleUploadForm, CleanTextField, ImportUploadForm
from .history import record_version
from .importing import batch_again, batch_from_uploads, import_limits, process_batch
from .ingest.countries import find_countries
from .ingest.parsing import has_a_word
from .models import (
    Article,
    ArticleAttachment,
    ArticleCountry,
    Country,
    CountryChoice,
    ImportBatch,
    ImportFile,
    ImportItem,
)
from .services import article_fingerprint, choose_country, tag_countries, text_twin

TEXT_FIELDS = {"title", "published", "body"}
# How the upload page tells the officer what became of the one release a file held.
UPLOADED = {
    ImportItem.Outcome.CREATED: "Added",
    ImportItem.Outcome.UPDATED: "Updated",
    ImportItem.Outcome.UNCHANGED: "Already in the archive:",
}


class ArticleAdminForm(forms.ModelForm):
    # Not the article's fields: how the version this save writes is told to readers (history.py).
    minor = forms.BooleanField(label="Minor change (a typo: readers are not told)", required=False)
    change_note = CleanTextField(
        label="Change note (shown to readers for a major change)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Left empty, the note says which fields were revised.",
    )

    source_url = forms.URLField(
        label="Source URL",
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="Where the sender published it.",
    )

    class Meta:
        model = Article
        fields = ["title", "published", "source", "source_url", "body"]
        field_classes = {"title": CleanTextField, "source": CleanTextField, "body": CleanTextField}

    def clean_title(self):
        title = self.cleaned_data["title"]
        if not has_a_word(title):
            raise forms.ValidationError("The title has no letter or digit: readers could not see or find it.")
        return title

    def clean_published(self):
        published = self.cleaned_data["published"]
        problem = import_limits().publication_date_problem(published)
        if problem:
            raise forms.ValidationError(problem)
        return published

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) for name in TEXT_FIELDS):
            fingerprint = article_fingerprint(
                title=cleaned["title"], published=cleaned["published"], body=cleaned["body"]
            )
            # Releases with identifiers of their own may share a text; those without may not
            # (one_text_without_identifier).
            twin = text_twin(
                Article(pk=self.instance.pk, identifier=self.instance.identifier, fingerprint=fingerprint)
            )
            if twin:
                raise forms.ValidationError(
                    f"An identical release is already in the archive: “{twin.title}” (id {twin.pk})."
                )
        return cleaned


class CountryPickerInline(admin.TabularInline):
    """A country picked by typing its name, without the links to edit the list of countries."""

    autocomplete_fields = ["country"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.widget.can_change_related = field.widget.can_view_related = field.widget.can_delete_related = (
            False
        )
        return field


class CountryTagInline(CountryPickerInline):
    """The countries the release is about. Removing one, or adding one, is an editor's choice
    that re-extraction and re-imports keep."""

    model = ArticleCountry
    fields = ["country", "weight"]
    readonly_fields = ["weight"]
    extra = 1
    verbose_name = "country the release is about"
    verbose_name_plural = "Countries the release is about (remove or add one: extraction keeps your choice)"


class CountryChoiceInline(CountryPickerInline):
    """Editors' choices; deleting one hands that country back to extraction."""

    model = CountryChoice
    fields = ["country", "included", "made"]
    readonly_fields = ["made"]
    extra = 0
    verbose_name_plural = "Editors' choices (delete one to let extraction decide that country again)"


class ChosenCountriesFilter(admin.SimpleListFilter):
    title = "countries chosen by an editor"
    parameter_name = "chosen"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(country_choices__isnull=self.value() == "no").distinct()
        return queryset


class _DateHierarchyChangeList(ChangeList):
    """Django's date hierarchy turns ?published__year=9999 (it computes year 10,000) or a year of twenty
    digits into a 500; here they are an invalid filter like any other, which the admin reports."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


@admin.register(Article)
class ArticleAdmin(ArticleEditingAdmin):
    form = ArticleAdminForm
    inlines = [CountryTagInline, CountryChoiceInline]
    list_display = ["title", "published", "country_list", "source", "batch_link", "state", "updated"]
    list_filter = [StateFilter, "published", ChosenCountriesFilter, "countries"]
    search_fields = ["title", "body"]
    date_hierarchy = "published"
    readonly_fields = [
        "state",
        "view_on_site_link",
        "identifier",
        "countries_found",
        "batch_link",
        "attachment_list",
        "fingerprint",
        "created",
        "updated",
    ]
    list_per_page = 50
    actions = ["withdraw_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("country_tags")

    def get_changelist(self, request, **kwargs):
        return _DateHierarchyChangeList

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj else [name for name in fields if name not in ("minor", "change_note", "state")]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop(
            "delete_selected", None
        )  # deleting withdraws (withdraw_selected); removal for good is one by one
        return actions

    @admin.display(description="Countries")
    def country_list(self, article):
        return ", ".join(f"{tag.country_id} {tag.weight:g}" for tag in article.country_tags.all())

    @admin.display(description="Countries found in the text")
    def countries_found(self, article):
        """Every country the text names, with its weight, and whether the release is found to be about it."""
        mentions = find_countries(article.title, article.body) if article.pk else []
        if not mentions:
            return "—"
        return format_html_join(
            ", ",
            '<span title="{}">{} {}{}</span>',
            (
                (
                    f"named {m.count} time{'s' if m.count > 1 else ''}; weight {m.weight:g}",
                    m.code,
                    f"{m.weight:g}",
                    "" if m.about else " (mentioned only)",
                )
                for m in mentions
            ),
        )

    @admin.display(description="Public page")
    def view_on_site_link(self, article):
        return (
            format_html('<a href="{}">{}</a>', article.get_absolute_url(), article.get_absolute_url())
            if article.pk
            else "—"
        )

    @admin.display(description="Attachments")
    def attachment_list(self, article):
        """The files that came with it (they come with imports and go with a removal, not from here)."""
        attachments = article.attachments.all() if article.pk else []
        if not attachments:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> ({}, {} bytes, from {})',
            (
                (
                    reverse("admin:articles_article_attachment", args=[each.pk]),
                    each.name,
                    each.kind,
                    f"{each.size:,}",
                    f"batch {each.batch_id}" if each.batch_id else "an import",
                )
                for each in attachments
            ),
        )

    @admin.display(description="Import", ordering="import_batch")
    def batch_link(self, article):
        if not article.import_batch_id:
            return "—"
        url = reverse("admin:articles_importbatch_change", args=[article.import_batch_id])
        return format_html('<a href="{}">batch {}</a>', url, article.import_batch_id)

    def save_model(self, request, obj, form, change):
        obj.fingerprint = article_fingerprint(title=obj.title, published=obj.published, body=obj.body)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ArticleCountry:
            return super().save_formset(request, form, formset, change)
        # Tags are not written here: each change becomes a choice, and tagging applies the choices.
        formset.save(commit=False)
        for tag in formset.deleted_objects:
            choose_country(form.instance, tag.country_id, included=False)
        for tag in formset.new_objects:
            choose_country(form.instance, tag.country_id, included=True)
        for tag, changed in formset.changed_objects:
            if "country" in changed:  # one country put in place of another
                replaced = next(f.initial["country"] for f in formset.forms if f.instance is tag)
                choose_country(form.instance, replaced, included=False)
                choose_country(form.instance, tag.country_id, included=True)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        tag_countries(form.instance)  # the text or the choices may have changed
        minor, note = form.cleaned_data.get("minor", False), form.cleaned_data.get("change_note", "")
        version = record_version(
            form.instance,
            how="admin edit" if change else "admin: added",
            user=request.user,
            major=not minor,
            note=note,
        )
        if version is None and note:
            messages.warning(
                request,
                "Nothing readers see changed, so no version was written and the change note was not kept.",
            )
        elif version is not None and change:
            messages.info(
                request,
                f"Kept as version {version.number} "
                f"({'readers are told' if version.major else 'a minor change'}).",
            )

    def get_urls(self):
        # A form's page is read or posted; any other method (PUT, DELETE...) is refused, not silently
        # ignored with its file.
        form_methods = require_http_methods(list(FORM_METHODS))
        upload = path(
            "upload/",
            self.admin_site.admin_view(form_methods(self.upload_view)),
            name="articles_article_upload",
        )
        bulk = path(
            "import/",
            self.admin_site.admin_view(form_methods(self.import_view)),
            name="articles_article_import",
        )
        attachment = path(
            "attachment/<int:attachment_id>/",
            self.admin_site.admin_view(self.attachment_view),
            name="articles_article_attachment",
        )
        return [upload, bulk, attachment, *self.editing_urls()] + super().get_urls()

    def attachment_view(self, request, attachment_id):
        """An attachment for editors, whatever its release's state (readers get none of a withdrawn one)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(ArticleAttachment, pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except OSError:
            raise Http404("The attachment's file is missing.") from None
        return download_response(handle, attachment.name)

    def import_view(self, request):
        """Several files at once, processed in the background; the batch page shows how it goes."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(*_posted(request))
        if form.is_valid():
            batch = batch_from_uploads(uploads=form.cleaned_data["files"], user=request.user)
            messages.success(request, f"Import batch {batch.pk} is queued; this page shows its progress.")
            return redirect(reverse("admin:articles_importbatch_change", args=[batch.pk]))
        return self._file_form(
            request,
            form,
            title="Import releases",
            submit_label="Import",
            intro=(
                "Every upload becomes an import batch: the files are kept as uploaded, "
                "each release gets an outcome (created, updated, unchanged or failed, with the reason), "
                "and large batches are processed in the background."
            ),
        )

    def upload_view(self, request):
        """One release, imported while the officer waits (as a batch of one, like every upload)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ArticleUploadForm(*_posted(request))
        if form.is_valid() and form.holds_several:
            upload = form.cleaned_data["release"]
            batch = batch_from_uploads(uploads=[upload], user=request.user)
            messages.success(
                request,
                f"{upload.name!r} holds several releases, so it became import batch {batch.pk}; "
                "this page shows its progress.",
            )
            return redirect(reverse("admin:articles_importbatch_change", args=[batch.pk]))
        if form.is_valid():
            batch = batch_from_uploads(uploads=[form.cleaned_data["release"]], user=request.user, queue=False)
            item = process_batch(batch, index_lock_timeout=0).items.get()
            if item.outcome == ImportItem.Outcome.FAILED:
                form.add_error("release", item.reason)
            else:
                messages.success(request, f"{UPLOADED[item.outcome]} “{item.article.title}”.")
                return redirect(reverse("admin:articles_article_change", args=[item.article.pk]))
        return self._file_form(request, form, title="Upload a release", submit_label="Upload")

    def _file_form(self, request, form, **context):
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta, **context}
        return TemplateResponse(request, "admin/articles/article/file_form.html", context)


def _posted(request) -> tuple:
    """A form's data and files: bound on every POST, even one that sends no file at all."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "slug"]  # searched by the tag inlines' autocomplete
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportFileInline(admin.TabularInline):
    model = ImportFile
    fields = ["name", "size", "original", "path", "url", "fetch_failure"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Original")
    def original(self, import_file):
        if not import_file.is_kept:
            return "no longer where it was imported from"
        url = reverse("admin:articles_importbatch_download", args=[import_file.pk])
        return format_html(
            '<a href="{}">download as {}</a>', url, "uploaded" if import_file.upload else "imported"
        )


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "created_by",
        "origin",
        "status",
        "progress",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
    ]
    list_filter = ["status", "origin"]
    readonly_fields = [
        "created",
        "created_by",
        "origin",
        "harvest_source",
        "status",
        "failure",
        "note",
        "progress",
        "outcomes",
        "started",
        "finished",
    ]
    fields = readonly_fields
    inlines = [ImportFileInline]
    actions = ["import_again"]

    @admin.action(description="Import the files of the selected batches again")
    def import_again(self, request, queryset):
        for batch in queryset:
            again = batch_again(batch, user=request.user)
            self.message_user(
                request, f"Batch {again.pk} imports the files of batch {batch.pk} again.", messages.SUCCESS
            )

    def has_add_permission(self, request):
        return False  # batches come from the "Import releases" page and the command line

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Progress")
    def progress(self, batch):
        return f"{batch.processed:,} of {batch.total:,} releases" + (" (so far)" if batch.in_progress else "")

    @admin.display(description="Outcomes")
    def outcomes(self, batch):
        items = reverse("admin:articles_importitem_changelist")
        links = [
            format_html(
                '<a href="{}?batch__id__exact={}&amp;outcome__exact={}">{} {}</a>',
                items,
                batch.pk,
                outcome,
                count,
                outcome,
            )
            for outcome, count in batch.outcome_counts().items()
        ]
        return format_html(
            "{} · {}",
            format_html(", ".join(["{}"] * len(links)), *links),
            format_html('<a href="{}?batch__id__exact={}">all releases</a>', items, batch.pk),
        )

    def get_urls(self):
        download = path(
            "file/<int:file_id>/",
            self.admin_site.admin_view(self.download_view),
            name="articles_importbatch_download",
        )
        return [download] + super().get_urls()

    def download_view(self, request, file_id):
        """Uploaded originals are not public files: only the admin hands them out."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        import_file = get_object_or_404(ImportFile, pk=file_id)
        try:
            handle = import_file.open()
        except OSError:  # a command line's file moved or deleted since, or a kept upload lost
            raise Http404("This file is no longer where it was kept or imported from.") from None
        return download_response(handle, import_file.name)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        running = batch is not None and batch.in_progress
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "refresh_while_running": running}
        )


@admin.register(ImportItem)
class ImportItemAdmin(admin.ModelAdmin):
    list_display = ["source_file", "location", "outcome", "reason", "article_link"]
    list_filter = ["outcome", "batch"]
    list_select_related = ["source_file", "article"]
    search_fields = ["reason", "location", "source_file__name"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Article")
    def article_link(self, item):
        if not item.article_id:
            return "—"
        url = reverse("admin:articles_article_change", args=[item.article_id])
        return format_html('<a href="{}">{}</a>', url, item.article.title)
