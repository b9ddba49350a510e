"""Fixed keys and plain-HTTP settings for the test suite and the benchmarks.

Both run with DJANGO_DEBUG=0, as production does, and production refuses to start without
DJANGO_SECRET_KEY and TOKEN_ENCRYPTION_KEY. These guard no real secret. Both also talk plain
HTTP to loopback without collectstatic, so the HTTPS-only defaults of production and the
hashed static files are off. Imported for its effect by okomo/test_settings.py and
bench/settings.py before they read okomo.settings; the Celery workers and web processes
those start inherit the environment. Values already in the environment win.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "okomo-tests-and-benchmarks-only-not-a-secret")
os.environ.setdefault("TOKEN_ENCRYPTION_KEY", "qISZpWL5NKb994-rRsK-bDFsghoKn6YhmYKuRS-SFFc=")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "0")
