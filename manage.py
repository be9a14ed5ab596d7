#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

from __future__ import annotations

import os
import sys

# Commands that build the image: they read no secret, so they run without the runtime ones.
BUILD_COMMANDS = {"collectstatic", "compilemessages"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkregister.settings")
    if len(sys.argv) > 1 and sys.argv[1] in BUILD_COMMANDS:
        os.environ["DJANGO_BUILD_STEP"] = "true"
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A missing production secret is an operator's mistake, not a bug: say it in one line.
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
