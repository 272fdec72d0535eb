"""HTTP in, HTML or JSON out. Searching and storing happen elsewhere."""

import logging
from dataclasses import replace
from functools import wraps

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .api import article_json, article_summary
from .caching import cached_until_the_index_changes
from .downloads import download_response
from .exports import write_results_csv
from .feeds import SearchFeed, describe_search
from .forms import SearchForm
from .health import health_report, node_details
from .history import public_updates
from .models import country_names, matching_country_names
from .permalinks import State, attachments_of, find_attachment, find_version, resolve, versions_of
from .search import IndexUnavailable, related_articles, search_articles, suggest_titles

logger = logging.getLogger(__name__)

SUGGESTIONS = 10
MAX_SUGGEST_CHARACTERS = 100


def _search(request):
    form = SearchForm(request.GET, country_names=country_names())
    search_request = form.search_request(per_page=settings.PRESSROOM_RESULTS_PER_PAGE)
    return form, search_request, search_articles(search_request)


def _unless_index_unavailable(unavailable_response):
    """Answer 503 with `unavailable_response(request)` when there is no index to search."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except IndexUnavailable as error:
                logger.error("search unavailable: %s", error)
                return unavailable_response(request)

        return guarded

    return decorator


@require_safe
@_unless_index_unavailable(lambda request: render(request, "articles/search_unavailable.html", status=503))
@cached_until_the_index_changes
def search_page(request):
    form, search_request, results = _search(request)
    context = {
        "form": form,
        "search": search_request,
        "results": results,
        "notes": form.notes,
        "country_names": country_names(),
        "feed_title": describe_search(search_request, country_names()),
    }
    return render(request, "articles/search.html", context)


@require_safe
@_unless_index_unavailable(
    lambda request: JsonResponse(
        {"error": "Search is unavailable until its index is rebuilt; try again shortly."}, status=503
    )
)
@cached_until_the_index_changes
def api_search(request):
    form, search_request, results = _search(request)
    names = country_names()
    return JsonResponse(
        {
            "count": results.count,
            "page": results.page,
            "pages": results.pages,
            "notes": form.notes,
            "corrected_query": results.corrected_query,
            "results": [
                article_summary(hit.article, request.build_absolute_uri) | {"snippet": hit.snippet}
                for hit in results.hits
            ],
            "facets": {
                "countries": [
                    {"code": code, "name": names.get(code, code), "count": n}
                    for code, n in results.country_counts
                ],
                "dates": [
                    {"period": period.name, "from": period.first, "to": period.last, "count": period.count}
                    for period in results.timeline
                ],
            },
        }
    )


@require_safe
@_unless_index_unavailable(
    lambda request: JsonResponse([request.GET.get("q", ""), []], safe=False, status=503)
)
@cached_until_the_index_changes
def api_suggest(request):
    """Suggestions as OpenSearch defines them: [what was typed, [completions]]; countries first."""
    text = request.GET.get("q", "")[:MAX_SUGGEST_CHARACTERS]
    countries = [f"country:{slugify(name)}" for name in matching_country_names(text)]
    titles = suggest_titles(text)
    return JsonResponse(
        [text, (countries + titles)[:SUGGESTIONS]], safe=False, content_type="application/x-suggestions+json"
    )


@require_safe
def api_documentation(request):
    return render(request, "articles/api.html", {"export_limit": f"{settings.PRESSROOM_EXPORT_LIMIT:,}"})


def opensearch_description(request):
    base = request.build_absolute_uri("/").rstrip("/")
    return render(
        request, "opensearch.xml", {"base": base}, content_type="application/opensearchdescription+xml"
    )


def _plain_503(request):
    return HttpResponse(
        "Search is unavailable until its index is rebuilt; try again shortly.",
        status=503,
        content_type="text/plain",
    )


_search_feed = SearchFeed()


@require_safe
@_unless_index_unavailable(_plain_503)
@cached_until_the_index_changes
def search_feed(request):
    """The search's Atom feed: the same parameters as the page, newest releases first."""
    return _search_feed(request)


@require_safe
@_unless_index_unavailable(_plain_503)
def export_csv(request):
    """The current search's results as CSV, in its order, up to PRESSROOM_EXPORT_LIMIT rows."""
    form = SearchForm(request.GET, country_names=country_names())
    search = replace(
        form.search_request(per_page=settings.PRESSROOM_EXPORT_LIMIT), page=1, with_snippets=False
    )
    results = search_articles(search)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pressroom-search.csv"'
    response["X-Total-Count"] = str(results.count)
    write_results_csv(response, results.hits, request.build_absolute_uri)
    return response


def robots_txt(request):
    sitemap = request.build_absolute_uri("/sitemap.xml")
    return HttpResponse(f"User-agent: *\nDisallow: /admin/\nSitemap: {sitemap}\n", content_type="text/plain")


@require_safe
def article_page(request, pk, slug):
    found = resolve(pk)
    if found.state is not State.CURRENT:
        return _not_readable_page(request, found)
    article = found.article
    if request.path != article.get_absolute_url():  # an old slug, or the id written as 01091
        return redirect(article, permanent=True)
    try:
        related = related_articles(article)
    except IndexUnavailable:
        related = []  # the page stands on the database alone
    context = {
        "article": article,
        "updates": public_updates(article),
        "related": related,
        "previous": article.previous_article(),
        "next": article.next_article(),
        "attachments": [(each, each.get_absolute_url(article)) for each in attachments_of(article)],
    }
    return render(request, "articles/article.html", context)


@require_safe
def article_attachment(request, pk, slug, attachment_pk, name):
    """A file that came with the release, as a download; gone (410) when the release is."""
    found = resolve(pk)
    if found.state is State.MERGED:  # the survivor's page offers it: its address is there
        attachment = find_attachment(found.survivor, attachment_pk)
        if attachment is not None:
            return redirect(attachment.get_absolute_url(found.survivor), permanent=True)
    if found.state is not State.CURRENT:
        return _not_readable_page(request, found)
    attachment = find_attachment(found.article, attachment_pk)
    if attachment is None:
        raise Http404(f"article {pk} offers no attachment {attachment_pk}")
    if (slug, name) != (found.article.slug, attachment.name):  # an old slug, or a mistyped name
        return redirect(attachment.get_absolute_url(found.article), permanent=True)
    try:
        handle = attachment.file.open("rb")
    except OSError:  # deleted from the disk, or no longer readable there (a folder, its permissions)
        logger.error("the file of attachment %s (%s) cannot be read", attachment.pk, attachment.file.name)
        raise Http404(f"the file of attachment {attachment_pk} cannot be read") from None
    return download_response(handle, attachment.name)


# A merged release's earlier versions stay readable: they are what readers once cited.
_VERSIONS_READABLE = (State.CURRENT, State.MERGED)


@require_safe
def article_versions(request, pk, slug):
    found = resolve(pk)
    if found.state not in _VERSIONS_READABLE:
        return _not_readable_page(request, found)
    address = reverse("article-versions", kwargs={"pk": found.article.pk, "slug": found.article.slug})
    if request.path != address:
        return redirect(address, permanent=True)
    context = {
        "article": found.article,
        "survivor": found.survivor,
        "current": found.survivor or found.article,
        "versions": versions_of(found.article)[::-1],
    }
    return render(request, "articles/versions.html", context)


@require_safe
def article_version(request, pk, slug, number):
    found = resolve(pk)
    if found.state not in _VERSIONS_READABLE:
        return _not_readable_page(request, found)
    version = find_version(found.article, number)
    if version is None:
        raise Http404(f"article {pk} has no version {number}")
    if request.path != version.get_absolute_url():
        return redirect(version, permanent=True)
    names = country_names()
    context = {
        "article": found.article,
        "survivor": found.survivor,
        "current": found.survivor or found.article,
        "version": version,
        "versions": versions_of(found.article),
        "countries": sorted(
            ((names.get(code, code), code) for code in version.countries), key=lambda named: named[0]
        ),
    }
    return render(request, "articles/version.html", context)


def _not_readable_page(request, found):
    """The answer of a permalink whose release is not here to read (permalinks.py says why)."""
    if found.state is State.MERGED:
        return redirect(found.survivor, permanent=True)
    if found.state is State.WITHDRAWN:
        return render(request, "articles/withdrawn.html", {"article": found.article}, status=410)
    if found.state is State.REMOVED:
        return render(request, "articles/removed.html", {"removal": found.removal}, status=410)
    raise Http404("no release ever had this number")


@require_safe
def api_article(request, pk):
    found = resolve(pk)
    if found.state is not State.CURRENT:
        return _not_readable_json(found, pk)
    return JsonResponse(article_json(found.article, request.build_absolute_uri))


def _not_readable_json(found, pk):
    """`_not_readable_page` for the API: the same facts, as JSON."""
    if found.state is State.MERGED:
        return redirect("api-article", pk=found.survivor.pk, permanent=True)
    if found.state is State.WITHDRAWN:
        article = found.article
        return JsonResponse(
            {
                "error": f"Article {pk} was withdrawn.",
                "withdrawn": article.withdrawn.isoformat(),
                "note": article.withdrawn_note,
                "title": article.title,
                "published": article.published.isoformat(),
            },
            status=410,
        )
    if found.state is State.REMOVED:
        removal = found.removal
        return JsonResponse(
            {
                "error": f"Article {pk} was removed.",
                "removed": removal.removed.isoformat(),
                "reason": removal.reason,
            },
            status=410,
        )
    return JsonResponse({"error": f"There is no article {pk}."}, status=404)


@require_safe
@never_cache
def healthz(request):
    """For load balancers and monitors: 200 when the database and the index answer, else 503."""
    report = health_report()
    healthy = all(state == "ok" for state in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **report, "node": node_details()},
        status=200 if healthy else 503,
    )


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    """Django refuses a request it cannot take (too many fields or files, a malformed body); say which."""
    reason = _refusal_reason(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": reason}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


def _refusal_reason(exception) -> str:
    if isinstance(exception, TooManyFilesSent):
        return (
            f"At most {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files can be sent at once; "
            "send the rest in another upload, or as a ZIP archive."
        )
    if isinstance(exception, TooManyFieldsSent):
        return (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters; "
            "a search needs only a few."
        )
    return "The request was malformed."


def server_error(request):
    # The request id finds the logged traceback; the page never shows the traceback itself.
    request_id = getattr(request, "id", "")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "Something went wrong on our side; it has been logged.", "reference": request_id},
            status=500,
        )
    return render(request, "500.html", {"request_id": request_id}, status=500)
