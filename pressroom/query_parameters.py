"""Query-string parameters without NUL characters, for every view.

PostgreSQL refuses a NUL in any text it is given (DataError, a 500), and nothing a reader or
an editor means contains one: the admin's filters, its autocomplete and every public page pass
query parameters to the database. Each NUL becomes U+FFFD, the replacement character, so a
value that held one still matches nothing rather than something else.
"""

from django.http import QueryDict


class NoNulParametersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query_string = request.META.get("QUERY_STRING", "")
        if "%00" in query_string or "\x00" in query_string:
            request.GET = _without_nul(request.GET)
        return self.get_response(request)


def _without_nul(parameters: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in parameters.lists():
        cleaned.setlist(key.replace("\x00", "\ufffd"), [value.replace("\x00", "\ufffd") for value in values])
    cleaned._mutable = False
    return cleaned
