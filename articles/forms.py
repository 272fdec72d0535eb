"""Validation of what arrives over HTTP: the search query string and release uploads."""

import calendar
import datetime
import re
from itertools import islice

from django import forms
from django.conf import settings

from .importing import import_limits
from .ingest.cleaning import clean_text
from .ingest.country_names import resolve_country
from .ingest.dates import parse_article_date
from .ingest.errors import RejectedArticle
from .ingest.formats import ACCEPTED_FORMATS, read_articles
from .search import SORTS, SearchRequest, parse_user_query

MAX_PAGE = 10_000
# More countries than this in one search are dropped with a note: every link of the page
# repeats the search's countries, so a page of hundreds would be hundreds of kilobytes.
MAX_COUNTRIES = 20


class _EveryValue(forms.Field):
    """Every value of a repeated parameter, as sent (SearchForm reads its countries one by one).

    Not a MultipleChoiceField with the countries as choices: building and checking those cost
    2 ms per search, for a verdict `_known_countries` gives anyway, with a note for each unknown.
    """

    widget = forms.SelectMultiple

    def to_python(self, value):
        if value in (None, ""):
            return []
        return [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]


class SearchForm(forms.Form):
    """The search page's query string. Invalid parts are dropped with a note, never an error page."""

    q = forms.CharField(required=False, strip=True)
    country = _EveryValue(required=False)
    # "all": releases naming every chosen country; by default, any of them.
    countries = forms.ChoiceField(required=False, choices=[("any", "any"), ("all", "all")])
    date_from = forms.CharField(required=False)
    date_to = forms.CharField(required=False)
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, data, *, country_names):
        # "from" is a Python keyword, so the URL's from/to arrive as date_from/date_to.
        data = data.copy()
        for url_name, field_name in (("from", "date_from"), ("to", "date_to")):
            if url_name in data:
                data[field_name] = data[url_name]
        super().__init__(data)
        self.country_names = country_names
        self.notes = []

    def _clean_date(self, field, label, *, last_day):
        text = self.cleaned_data.get(field, "").strip()
        if not text:
            return None
        day = _parse_date(text, last_day=last_day)
        if day is None:
            self.notes.append(
                f"The {label} date {text!r} was not understood and was ignored; "
                "use 2019, 2019-09 or 2019-09-27."
            )
            return None
        limits = import_limits()  # the archive holds no release outside the dates its imports accept
        earliest, latest = limits.earliest_published, limits.latest_published
        if not earliest <= day <= latest:
            self.notes.append(
                f"The {label} date {text!r} lies outside the archive's dates "
                f"({earliest.year} to {latest.year}) and was ignored."
            )
            return None
        return day

    def clean_date_from(self):
        return self._clean_date("date_from", "from", last_day=False)

    def clean_date_to(self):
        return self._clean_date("date_to", "to", last_day=True)

    def search_request(self, *, per_page: int) -> SearchRequest:
        """The search to run; each invalid parameter is replaced by its default and noted."""
        self.is_valid()
        cleaned = self._cleaned_or_defaults()
        start, end = self._date_range(cleaned)
        query = parse_user_query(cleaned.get("q") or "")
        self.notes.extend(query.notes)
        countries = list(cleaned.get("country") or ()) + self._countries_named(query.countries)
        return SearchRequest(
            query=query,
            countries=tuple(dict.fromkeys(countries)),
            all_countries=cleaned.get("countries") == "all",
            published_from=start,
            published_to=end,
            sort=cleaned.get("sort") or "relevance",
            page=cleaned.get("page") or 1,
            per_page=per_page,
        )

    def _cleaned_or_defaults(self) -> dict:
        """The cleaned parameters, each invalid one replaced by its default (and noted)."""
        cleaned = dict(self.cleaned_data)
        cleaned["country"] = self._known_countries()
        for name in self.errors:
            if name == "country":
                continue  # read above, value by value
            elif name == "page":
                self.notes.append("The page number was not valid; showing the first page.")
                cleaned["page"] = 1
            elif name == "countries":
                cleaned["countries"] = "any"
            elif name == "sort":
                self.notes.append("Unknown sort order; sorting by relevance.")
                cleaned["sort"] = "relevance"
            else:
                cleaned[name] = None
        return cleaned

    def _date_range(self, cleaned: dict) -> tuple[datetime.date | None, datetime.date | None]:
        """The from and to dates, swapped (and noted) when the from date is after the to date."""
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.notes.append("The from date was after the to date, so the two were swapped.")
            # Swapped as written, so that from=2020&to=2019 is all of 2019 and 2020, not 31 Dec to 1 Jan.
            start = _parse_date(self.data.get("date_to", "").strip(), last_day=False)
            end = _parse_date(self.data.get("date_from", "").strip(), last_day=True)
        return start, end

    def _countries_named(self, names) -> list[str]:
        """Codes of the countries written as country:name in the query."""
        codes = []
        for name in names:
            code = resolve_country(name)
            if code in self.country_names:
                codes.append(code)
            else:
                self.notes.append(
                    f"There is no country called {name!r}; that part of the search was ignored."
                )
        return codes

    def _known_countries(self):
        """The country= values as codes: ISO codes, or names as the query's country:name takes them."""
        asked = list(dict.fromkeys(self.data.getlist("country")))
        if len(asked) > MAX_COUNTRIES:
            self.notes.append(
                f"Only the first {MAX_COUNTRIES} countries were searched; "
                f"{len(asked) - MAX_COUNTRIES:,} more were ignored."
            )
            asked = asked[:MAX_COUNTRIES]
        codes = {value: resolve_country(value) for value in asked}
        unknown = [value for value, code in codes.items() if code not in self.country_names]
        if unknown:
            shown = ", ".join(value[:40] for value in unknown[:5]) + (
                f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
            )
            self.notes.append(f"Unknown country code{'s' if len(unknown) > 1 else ''} ignored: {shown}.")
        return list(dict.fromkeys(code for code in codes.values() if code in self.country_names))


_YEAR = re.compile(r"(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def _parse_date(text: str, *, last_day: bool) -> datetime.date | None:
    """A day; a year (2019) or a month (2019-09) means its first day, or its last for `last_day`."""
    try:
        if match := _YEAR.fullmatch(text):
            year = int(match[1])
            return datetime.date(year, 12, 31) if last_day else datetime.date(year, 1, 1)
        if match := _MONTH.fullmatch(text):
            year, month = int(match[1]), int(match[2])
            return datetime.date(year, month, calendar.monthrange(year, month)[1] if last_day else 1)
        return datetime.date.fromisoformat(text)
    except ValueError:
        return parse_article_date(text)


class CleanTextField(forms.CharField):
    """Text an editor typed or pasted, without the control characters that break pages and feeds."""

    def to_python(self, value):
        return super().to_python(clean_text(value) if isinstance(value, str) else value)


class ArticleUploadForm(forms.Form):
    """One release file, read here so that a file without a release is refused before anything is kept."""

    release = forms.FileField(
        label="Release file",
        help_text=(
            "A .txt file: the title on the first line, the date (such as 27 Sep, 2019) on the next, "
            "then the text; or a Word document (.docx): its title, the date on a line under it, its text; "
            "or a PDF with its text (not scanned pages), read the same way; "
            "or a release's web page saved as .html; or an e-mail (.eml) whose text, or attached Word "
            "or PDF document, is the release. "
            "A file of several releases (a CSV, say) becomes an import batch."
        ),
    )

    def clean_release(self):
        upload = self.cleaned_data["release"]
        _check_size(upload)
        try:
            # Two are enough to know whether it is one release or a batch.
            self.articles_seen = list(islice(read_articles(upload.name, upload.read(), import_limits()), 2))
        except RejectedArticle as error:
            raise forms.ValidationError(str(error)) from error
        finally:
            upload.seek(0)
        if not self.articles_seen:
            raise forms.ValidationError(
                f"{upload.name!r} holds no release: nothing in it has a title, a date and a text."
            )
        if len(self.articles_seen) == 1 and self.articles_seen[0].error:
            raise forms.ValidationError(self.articles_seen[0].error)
        return upload

    @property
    def holds_several(self) -> bool:
        return len(self.articles_seen) > 1


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if not data:  # a form sent without a file: the field's "required" error, not an empty list
            return [single_file_clean(None, initial)]
        if isinstance(data, (list, tuple)):
            return [single_file_clean(item, initial) for item in data]
        return [single_file_clean(data, initial)]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        help_text=(
            "Release files (.txt, .docx, .pdf, .html, .eml), mailboxes (.mbox), ZIP archives of them, "
            "CSV (title, date, body, optional countries and source), JSON Lines or JSON. "
            "Choose up to 1,000 at once (a ZIP archive of them counts as one)."
        ),
        error_messages={"required": "Choose at least one file to import."},
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        accepted = tuple(ACCEPTED_FORMATS)
        for upload in files:
            if not upload.name.lower().endswith(accepted):
                raise forms.ValidationError(
                    f"{upload.name!r} is not a format Pressroom imports; upload {', '.join(accepted)} files."
                )
            _check_size(upload)
        return files


def _check_size(upload) -> None:
    if upload.size > settings.PRESSROOM_MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            f"{upload.name!r} is {upload.size:,} bytes; "
            f"the limit is {settings.PRESSROOM_MAX_UPLOAD_BYTES:,} bytes."
        )
