"""Harvesting: the feeds and sitemaps of press offices, polled by the task worker into import batches.

fetching.py   one HTTP GET, with every limit (addresses, redirects, time, size)
robots.py     what a site's robots.txt allows
listings.py   pure: a feed's or sitemap's bytes -> the pages it lists
polling.py    one poll of one source: a batch of the pages it lists, and the source's state
scheduling.py which sources are due, and the task that polls one
hints.py      a source's countries, for releases whose text names none
"""
