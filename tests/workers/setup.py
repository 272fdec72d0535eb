"""Django for a worker process of the tests (settings from the environment)."""

import django

django.setup()
