"""gunicorn settings for `make serve`; PORT picks the port (8000 by default)."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Whoosh searchers are per thread and memory-mapped, so threads are cheap; processes give
# the second core something to do.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
