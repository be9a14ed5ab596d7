"""Messages of third-party packages whose own Finnish catalogues lack them.

Listing them here lets `makemessages` put them into the project catalogue (locale/fi), which
Django consults before any package's own. Nothing imports this module at run time.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

THIRD_PARTY_MESSAGES = [
    # django-phonenumber-field's model validator.
    pgettext_lazy(
        "{example_number} is a national phone number.",
        "Enter a valid phone number (e.g. {example_number}) "
        "or a number with an international call prefix.",
    ),
    gettext_lazy("The phone number entered is not valid."),
    # django_otp's token form (a wrong code at sign-in); django_otp has no Finnish catalogue.
    gettext_lazy("Invalid token. Please make sure you have entered it correctly."),
    # django-two-factor-auth's security page, left English in its Finnish catalogue.
    gettext_lazy(
        "If you don't have any device with you, you can access your account using backup tokens."
    ),
    # The admin's headers of its model lists, read by screen readers; missing in Django's
    # Finnish catalogue.
    gettext_lazy("Model name"),
    gettext_lazy("Add link"),
    gettext_lazy("Change or view list link"),
]
