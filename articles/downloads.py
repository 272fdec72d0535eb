"""How files from senders are handed to browsers: always as a download, never as a page.

The type comes from a short allow-list by the name's suffix (ingest/attachments.served_type),
never from the sender; an HTML, SVG or unknown file is an octet stream. The browser is told
not to guess another type (nosniff), and a sandbox policy stops any script should it open one.
"""

from django.http import FileResponse

from .ingest.attachments import safe_name, served_type

# Replaces the site's policy (the CSP middleware leaves a response's own alone): nothing loads,
# nothing runs, whatever the file turns out to be.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def download_response(handle, name: str) -> FileResponse:
    """`handle` (an open binary file) served as the attachment `name` (made safe for the header)."""
    name = safe_name(name)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=served_type(name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response
