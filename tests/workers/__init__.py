"""Scripts the tests run in processes of their own: `python -m tests.workers.<name>`.

Django is set up here, when the package is imported and before any script's own imports, so that
they may import models at the top (an import sorter puts `from . import setup` after them).
"""

import django

django.setup()
