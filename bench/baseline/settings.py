"""Settings for the bare baseline of bench/api.py only: the project's settings plus DRF's own
token authentication and a URLconf with nothing but the baseline endpoint. Never used by the
application, so production never serves that endpoint."""

from pkregister.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]  # noqa: F405
ROOT_URLCONF = "bench.baseline.urls"
