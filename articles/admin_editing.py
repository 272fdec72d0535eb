"""The admin pages for what editors do to a release beyond editing its fields: read its versions
and compare two, restore or split one out, merge, withdraw and reinstate, remove for good.

Each page translates HTTP into one call of editing.py, logs it in the admin's record
(LogEntry: who did what) in the same transaction, and turns an EditingError into a message.
"""

from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from .editing import (
    EditingError,
    merge,
    reinstate,
    remove_permanently,
    restore_version,
    split_version,
    withdraw,
)
from .forms import CleanTextField
from .models import Article
from .version_diff import compare_versions, countries_shown, pieces_html

FORM_METHODS = ("GET", "HEAD", "POST")


def _note_field(label, *, required, message=""):
    return CleanTextField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": message},
    )


class WithdrawForm(forms.Form):
    note = _note_field(
        "Why it is withdrawn (shown to readers who follow its link)",
        required=True,
        message="Say why the release is withdrawn: readers who follow its link see the note.",
    )


class RestoreForm(forms.Form):
    note = _note_field("Change note (shown to readers for a major change)", required=False)
    minor = forms.BooleanField(label="Minor change (readers are not told)", required=False)


class ArticleChoice(forms.ModelChoiceField):
    def label_from_instance(self, article):
        state = "" if article.is_public else (" (merged)" if article.merged_into_id else " (withdrawn)")
        return f"#{article.pk} “{article.title}”, {article.published:%d %B %Y}{state}"


class MergeForm(forms.Form):
    """The release this one is a copy of: one of those of the same title or date, or given by its number."""

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        likely = Article.objects.filter(
            Q(title__iexact=article.title) | Q(published=article.published)
        ).exclude(pk=article.pk)
        shown = list(likely.newest_first().values_list("pk", flat=True)[:20])
        if shown:
            # The choices by their numbers, not a sliced queryset: a choice is looked up in it, and a slice
            # cannot be filtered.
            self.fields["candidate"] = ArticleChoice(
                Article.objects.filter(pk__in=shown).newest_first(),
                required=False,
                widget=forms.RadioSelect,
                label="Releases of the same title or date",
            )
        self.fields["into"] = ArticleChoice(
            Article.objects.all(),
            required=False,
            widget=forms.TextInput(attrs={"size": 10, "inputmode": "numeric"}),
            label="Or its number" if "candidate" in self.fields else "Its number",
            help_text="The number in its admin address, or on the list of releases.",
            error_messages={"invalid_choice": "There is no release with the number “%(value)s”."},
        )

    def clean(self):
        cleaned = super().clean()
        if "into" in self.errors:
            return cleaned
        into = cleaned.get("into") or cleaned.get("candidate")
        if into is None:
            raise forms.ValidationError(
                "Say which release this one is a copy of: pick it, or give its number."
            )
        if into.pk == self.article.pk:
            self.add_error("into", "A release cannot be merged into itself: choose the other copy.")
        elif into.withdrawn:
            self.add_error("into", f"Release #{into.pk} is withdrawn: reinstate it first, or choose another.")
        else:
            cleaned["into"] = into
        return cleaned


class RemoveForm(forms.Form):
    reason = _note_field(
        "Why it is removed for good (its link shows this reason)",
        required=True,
        message="Say why the release is removed for good: its link shows the reason.",
    )
    confirm = forms.CharField(
        label="Type the release's number to confirm",
        error_messages={"required": "Type the release's number to confirm."},
    )

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip().lstrip("#") != str(self.article.pk):
            raise forms.ValidationError(
                f"Type {self.article.pk}, this release's number, to remove it for good."
            )
        return self.cleaned_data["confirm"]


class CompareForm(forms.Form):
    """Two versions of a release, in either order."""

    older = forms.IntegerField(label="From version", min_value=1)
    newer = forms.IntegerField(label="To version", min_value=1)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {version.number: version for version in versions}

    def clean(self):
        cleaned = super().clean()
        numbers = [cleaned.get("older"), cleaned.get("newer")]
        if None in numbers:
            return cleaned
        missing = [number for number in numbers if number not in self.versions]
        if missing:
            raise forms.ValidationError(
                f"There is no version {missing[0]} of this release: "
                f"it has versions 1 to {max(self.versions)}."
            )
        if numbers[0] == numbers[1]:
            raise forms.ValidationError("Choose two different versions to compare.")
        cleaned["older"], cleaned["newer"] = (self.versions[number] for number in sorted(numbers))
        return cleaned


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("public", "Public"), ("withdrawn", "Withdrawn"), ("merged", "Merged into another")]

    def queryset(self, request, queryset):
        verbs = {"public": queryset.public, "withdrawn": queryset.withdrawn, "merged": queryset.merged}
        return verbs.get(self.value(), queryset.all)()


class ArticleEditingAdmin(admin.ModelAdmin):
    """The Article admin's pages beyond the change form."""

    @admin.display(description="State")
    def state(self, article):
        """Public, withdrawn (when, and why) or merged (into which release)."""
        if not article.pk:
            return "—"
        if article.merged_into_id:
            return format_html(
                'merged into <a href="{}">#{}</a>',
                self._url("change", article.merged_into_id),
                article.merged_into_id,
            )
        if article.withdrawn:
            return format_html(
                "withdrawn on {}: {}",
                f"{article.withdrawn:%d %B %Y}",
                Truncator(article.withdrawn_note).chars(120),
            )
        return "public"

    def editing_urls(self):
        def page(route, view, name, methods=FORM_METHODS):
            allowed = require_http_methods(list(methods))  # 405 for any other method
            return path(route, self.admin_site.admin_view(allowed(view)), name=f"articles_article_{name}")

        return [
            page("<int:object_id>/versions/", self.versions_view, "versions"),
            page("<int:object_id>/versions/<int:number>/", self.version_view, "version"),
            page("<int:object_id>/versions/<int:number>/restore/", self.restore_view, "restore", ("POST",)),
            page("<int:object_id>/versions/<int:number>/split/", self.split_view, "split", ("POST",)),
            page("<int:object_id>/merge/", self.merge_view, "merge"),
            page("<int:object_id>/reinstate/", self.reinstate_view, "reinstate", ("POST",)),
            page("<int:object_id>/remove/", self.remove_view, "remove"),
        ]

    # Reading the history

    def versions_view(self, request, object_id):
        article = self._article(request, object_id, self.has_view_permission)
        # Bodies are read only for the two versions compared, not for every version listed.
        versions = list(article.versions.select_related("created_by").defer("body").latest_first())
        compare = CompareForm(
            request.GET if {"older", "newer"} & set(request.GET) else None, versions=versions
        )
        difference = None
        if compare.is_valid():
            older, newer = compare.cleaned_data["older"], compare.cleaned_data["newer"]
            difference, chosen = compare_versions(older, newer), (older.number, newer.number)
        else:  # the radio buttons start on the latest change
            chosen = (
                versions[1].number if len(versions) > 1 else None,
                versions[0].number if versions else None,
            )
        return self._page(
            request,
            article,
            "versions.html",
            f"Versions of “{article.title}”",
            compare=compare,
            chosen=chosen,
            rows=[(version, _public_url(version)) for version in versions],
            difference=difference,
            text_diff=pieces_html(difference.text) if difference else "",
        )

    def version_view(self, request, object_id, number):
        article = self._article(request, object_id, self.has_view_permission)
        version = self._version(article, number)
        current = article.versions.latest_number()
        return self._page(
            request,
            article,
            "version.html",
            f"Version {number} of “{article.title}”",
            version=version,
            current=current,
            public_url=_public_url(version),
            restore=RestoreForm(),
            countries=countries_shown(version.countries),
            can_change=self.has_change_permission(request, article),
        )

    # Changing the history

    def restore_view(self, request, object_id, number):
        article = self._article(request, object_id, self.has_change_permission)
        version = self._version(article, number)
        form = RestoreForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
            return redirect(self._url("version", article.pk, number))
        with _action(request) as acted:
            restored = restore_version(
                version,
                user=request.user,
                note=form.cleaned_data["note"],
                major=not form.cleaned_data["minor"],
            )
            self.log_change(request, article, f"Restored version {number} as version {restored.number}.")
            acted(f"Version {number} is the current text again, kept as version {restored.number}.")
        return redirect(self._url("versions", article.pk))

    def split_view(self, request, object_id, number):
        article = self._article(request, object_id, self.has_change_permission)
        version = self._version(article, number)
        with _action(request) as acted:
            split_off = split_version(version, user=request.user)
            self.log_change(request, article, f"Split version {number} out as release #{split_off.pk}.")
            self.log_addition(request, split_off, f"Split out of release #{article.pk}, version {number}.")
            acted(
                format_html(
                    'Version {} is now a release of its own: <a href="{}">#{} “{}”</a>.',
                    number,
                    self._url("change", split_off.pk),
                    split_off.pk,
                    split_off.title,
                )
            )
        return redirect(self._url("versions", article.pk))

    # Withdrawn, merged, removed

    def delete_view(self, request, object_id, extra_context=None):
        """Deleting withdraws: the release leaves search, feeds and the sitemap; its link says why."""
        if request.method not in FORM_METHODS:
            return HttpResponseNotAllowed(FORM_METHODS)
        article = self._article(request, object_id, self.has_change_permission)
        if article.withdrawn:
            messages.info(request, f"This release was withdrawn on {article.withdrawn:%d %B %Y}.")
            return redirect(self._url("change", article.pk))
        form = WithdrawForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            with _action(request, form=form, field="note") as acted:
                withdraw(article, note=form.cleaned_data["note"])
                self.log_change(request, article, f"Withdrawn: {form.cleaned_data['note']}")
                acted(
                    "The release is withdrawn: it has left search, and its link says why. "
                    "“Restore to readers” undoes it."
                )
                return redirect(self._url("change", article.pk))
        return self._page(
            request, article, "withdraw.html", f"Withdraw “{article.title}”", form=form, articles=[article]
        )

    @admin.action(description="Withdraw the selected releases", permissions=["change"])
    def withdraw_selected(self, request, queryset):
        """In place of "delete selected": asks for the note, then withdraws each release."""
        articles = list(queryset.not_withdrawn())
        form = WithdrawForm(request.POST if request.POST.get("post") else None)
        if not articles:
            self.message_user(request, "The selected releases are withdrawn already.", messages.WARNING)
            return None
        if form.is_valid():
            with transaction.atomic():
                for article in articles:
                    withdraw(article, note=form.cleaned_data["note"])
                    self.log_change(request, article, f"Withdrawn: {form.cleaned_data['note']}")
            self.message_user(
                request,
                f"{len(articles)} release{'s' if len(articles) > 1 else ''} withdrawn.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Withdraw releases",
            "form": form,
            "articles": articles,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/article/withdraw.html", context)

    def reinstate_view(self, request, object_id):
        article = self._article(request, object_id, self.has_change_permission)
        if article.is_public:
            messages.info(request, "This release is public already.")
            return redirect(self._url("change", article.pk))
        was = f"merged into #{article.merged_into_id}" if article.merged_into_id else "withdrawn"
        with _action(request) as acted:
            reinstate(article)
            self.log_change(request, article, f"Restored to readers (it was {was}).")
            acted("The release is back in search and at its link.")
        return redirect(self._url("change", article.pk))

    def merge_view(self, request, object_id):
        article = self._article(request, object_id, self.has_change_permission)
        form = MergeForm(request.POST if request.method == "POST" else None, article=article)
        if form.is_valid() and request.POST.get("confirmed"):
            into = form.cleaned_data["into"]
            with _action(request, form=form, field="into") as acted:
                merge(article, into)
                article.refresh_from_db()
                self.log_change(request, article, f"Merged into #{article.merged_into_id}.")
                acted(
                    format_html(
                        'Merged into <a href="{}">#{} “{}”</a>: this release\'s link now leads there.',
                        self._url("change", article.merged_into_id),
                        article.merged_into_id,
                        article.merged_into.title,
                    )
                )
                return redirect(self._url("change", article.pk))
        into = form.cleaned_data["into"] if form.is_valid() else None
        return self._page(
            request,
            article,
            "merge.html",
            f"Merge “{article.title}” into another release",
            form=form,
            into=into,
        )

    def remove_view(self, request, object_id):
        article = self._article(request, object_id, self.has_delete_permission)
        form = RemoveForm(request.POST if request.method == "POST" else None, article=article)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            with _action(request, form=form, field="reason") as acted:
                LogEntry.objects.log_actions(
                    request.user.pk,
                    [article],
                    DELETION,
                    change_message=f"Removed permanently: {reason}",
                    single_object=True,
                )
                remove_permanently(article, reason=reason, user=request.user)
                acted(
                    f"Release #{object_id} is removed for good; "
                    "its link answers that it was removed, and why."
                )
                return redirect(self._url("changelist"))
        return self._page(request, article, "remove.html", f"Remove “{article.title}” permanently", form=form)

    # Shared by the pages

    def _article(self, request, object_id, permission) -> Article:
        article = self.get_object(request, str(object_id))
        if article is None:
            raise Http404(f"There is no release #{object_id}.")
        if not permission(request, article):
            raise PermissionDenied
        return article

    @staticmethod
    def _version(article, number):
        version = article.versions.select_related("created_by").filter(number=number).first()
        if version is None:
            raise Http404(f"Release #{article.pk} has no version {number}.")
        return version

    def _url(self, name, *args):
        return reverse(f"admin:articles_article_{name}", args=args)

    def _page(self, request, article, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": article,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"admin/articles/article/{template}", context)


@contextmanager
def _action(request, *, form=None, field=None):
    """A block doing one editor's action in one transaction. An EditingError undoes it and becomes
    the form's error (or an error message); success becomes the message handed to the block."""
    said = []
    try:
        with transaction.atomic():
            yield said.append
    except EditingError as error:
        if form is not None:
            form.add_error(field, str(error))
        else:
            messages.error(request, str(error))
        return
    for message in said:
        messages.success(request, message)


def _public_url(version) -> str | None:
    """The version's page for readers, where this deployment has one."""
    try:
        return version.get_absolute_url()
    except NoReverseMatch:
        return None
