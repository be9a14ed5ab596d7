from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from two_factor.admin import AdminSiteOTPRequired

from audit.admin_access import record_admin_page


def _unusable_relations(model: Any, data: Any) -> list[str]:
    """Return the keys whose values name no possible row of the related model (`company=x`):
    the admin's form (its autocomplete widget, even re-rendering a refused form) looks them up,
    and a value that is not a key is a database error, not a field error."""
    unusable = []
    for key, values in data.lists():
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if not field.is_relation or field.related_model is None:
            continue
        target = field.related_model._meta.pk
        try:
            for value in values:
                for part in value.split(","):
                    target.to_python(part)
        except ValidationError:
            unusable.append(key)
    return unusable


def _drop_unusable_relations(model: Any, request: HttpRequest) -> None:
    """Leave out such values: the form then says the field needs a valid choice."""
    for attribute in ("GET", "POST"):
        data = getattr(request, attribute)
        unusable = _unusable_relations(model, data)
        if unusable:
            data = data.copy()
            for key in unusable:
                del data[key]
            setattr(request, attribute, data)


# Django's Finnish writes the model's name in the nominative after a verb that takes the
# partitive ("Muokkaa asiakas"); the project's catalogue comes first, so its wording wins.
DJANGO_WORDING_OVERRIDDEN = [gettext_noop("Change %s")]


class RegisterAdminSite(AdminSiteOTPRequired):
    """The privacy officer's admin: same login as the staff pages, never with a password alone.

    Every list and history page that shows people writes them to the access log.
    """

    site_header = _("PK Terveyden asiakasrekisteri: administration")
    site_title = _("Customer register administration")
    index_title = _("Privacy officer's tools")

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Any:
        model = getattr(getattr(view, "__self__", None), "model", None)
        if model is not None:
            inner = view

            @functools.wraps(inner)
            def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                _drop_unusable_relations(model, request)
                return inner(request, *args, **kwargs)

        checked = super().admin_view(view, cacheable)

        @functools.wraps(checked)
        def logged(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = checked(request, *args, **kwargs)
            record_admin_page(request, response)
            return response

        return logged
