"""Fixed keys for the test suite and the benchmarks.

Both run with DJANGO_DEBUG=0, as production does, and production refuses to start without
DJANGO_SECRET_KEY and TOKEN_ENCRYPTION_KEY. These guard no real secret. Imported for its
effect by okomo/test_settings.py and bench/settings.py before they read okomo.settings; the
Celery workers and web processes those start inherit the environment. Keys already in the
environment win.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "okomo-tests-and-benchmarks-only-not-a-secret")
os.environ.setdefault("TOKEN_ENCRYPTION_KEY", "qISZpWL5NKb994-rRsK-bDFsghoKn6YhmYKuRS-SFFc=")
