"""Whole responses cached for as long as the index they were answered from is unchanged."""

import hashlib
from functools import wraps

from django.core.cache import cache

from .search import IndexUnavailable, index_version

CACHE_SECONDS = 300


def cached_until_the_index_changes(view):
    """Cache a search view's 200 answers; any index commit or rebuild changes the key."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        try:
            version = index_version()
        except IndexUnavailable:
            return view(request, *args, **kwargs)  # the view explains the outage itself
        address = f"{request.get_host()}{request.get_full_path()}".encode()
        key = f"pressroom:{view.__name__}:{version}:{hashlib.blake2b(address, digest_size=16).hexdigest()}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                cache.set(key, response, CACHE_SECONDS)
        return response

    return cached_view
