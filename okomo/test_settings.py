"""The settings the test suite runs with: production's (DJANGO_DEBUG=0), plus fixed keys."""

import okomo.local_keys  # noqa: F401  (before the settings are read)
from okomo.settings import *  # noqa: F403
