"""The press office's admin: edit releases, correct their countries, upload release files."""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .forms import ReleaseUploadForm
from .ingest.errors import RejectedRelease
from .models import Article, Country
from .services import CREATED, UPDATED, import_release_file, release_fingerprint, tag_countries

TEXT_FIELDS = {"title", "published", "body"}


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "published", "source", "body", "countries", "countries_set_by_hand"]

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) for name in TEXT_FIELDS):
            fingerprint = release_fingerprint(title=cleaned["title"], published=cleaned["published"], body=cleaned["body"])
            twin = Article.objects.filter(fingerprint=fingerprint).exclude(pk=self.instance.pk).first()
            if twin:
                raise forms.ValidationError(f"An identical release is already in the archive: “{twin.title}” (id {twin.pk}).")
        return cleaned


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "published", "country_list", "source", "updated"]
    list_filter = ["published", "countries_set_by_hand", "countries"]
    search_fields = ["title", "body"]
    date_hierarchy = "published"
    filter_horizontal = ["countries"]
    readonly_fields = ["view_on_site_link", "fingerprint", "created", "updated"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description="Countries")
    def country_list(self, article):
        return ", ".join(country.code for country in article.countries.all())

    @admin.display(description="Public page")
    def view_on_site_link(self, article):
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), article.get_absolute_url()) if article.pk else "—"

    def save_model(self, request, obj, form, change):
        # An editor's choice of countries is kept from now on; extraction leaves it alone.
        if "countries" in form.changed_data:
            obj.countries_set_by_hand = True
        obj.fingerprint = release_fingerprint(title=obj.title, published=obj.published, body=obj.body)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if TEXT_FIELDS & set(form.changed_data) and not form.instance.countries_set_by_hand:
            tag_countries(form.instance)

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="articles_article_upload")
        return [upload] + super().get_urls()

    def upload_view(self, request):
        form = ReleaseUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = import_release_file(data=form.cleaned_data["release"].read())
            except RejectedRelease as error:
                form.add_error("release", str(error))
            else:
                verb = {CREATED: "Added", UPDATED: "Updated"}.get(result.outcome, "Already in the archive:")
                messages.success(request, f"{verb} “{result.article.title}”.")
                return redirect(reverse("admin:articles_article_change", args=[result.article.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta, "title": "Upload a release"}
        return TemplateResponse(request, "admin/articles/article/upload.html", context)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "slug"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
