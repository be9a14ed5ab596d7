from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkregister.settings")
application = get_wsgi_application()
if settings.BUILD_STEP:
    # Build steps skip the runtime secrets; serving never may.
    raise ImproperlyConfigured("DJANGO_BUILD_STEP is for build commands only, never for serving.")
