"""The API's JSON for one release: what /api/articles/<id> answers and what a webhook POSTs.

`absolute` makes a path a full address: the request's own for the API, PRESSROOM_SITE_URL for a
webhook sent by the worker, where there is no request.
"""

from collections.abc import Callable

from .history import last_major_change
from .ingest.attachments import served_type
from .permalinks import attachments_of, versions_of

Absolute = Callable[[str], str]


def article_summary(article, absolute: Absolute) -> dict:
    """A release as a search's results list it."""
    return {
        "id": article.pk,
        "title": article.title,
        "url": absolute(article.get_absolute_url()),
        "published": article.published.isoformat(),
        "countries": [country.code for country in article.countries.all()],
    }


def article_json(article, absolute: Absolute) -> dict:
    """A release whole: its summary, versions, countries' weights, body and attachments."""
    weights = {tag.country_id: tag.weight for tag in article.country_tags.all()}
    updated = last_major_change(article)
    return article_summary(article, absolute) | {
        "updated": updated.isoformat() if updated else None,
        "versions": [_version_summary(version, absolute) for version in versions_of(article)],
        "country_weights": weights,
        "source": article.source,
        "body": article.body,
        "attachments": [
            {
                "name": attachment.name,
                "content_type": served_type(attachment.name),
                "size": attachment.size,
                "url": absolute(attachment.get_absolute_url(article)),
            }
            for attachment in attachments_of(article)
        ],
    }


def _version_summary(version, absolute: Absolute) -> dict:
    return {
        "number": version.number,
        "created": version.created.isoformat(),
        "major": version.major,
        "note": version.note,
        "url": absolute(version.get_absolute_url()),
    }
