"""The privacy officer's read-only views of the access log and the change history.

Both name people and staff (linked), filter by person (found by name or customer number, never
by an internal id), by staff member and by period, and show times in Europe/Helsinki.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from pghistory.admin.core import EventsAdmin, EventsChangeList

from accounts.formatting import local_stamp
from audit import readable
from audit.models import AccessAction, AccessLogEntry, AccessPurpose

# A search that finds more people than this asks for a narrower one.
MAX_PEOPLE_SEARCHED = 50
# How many of the people a search found are offered as filter choices.
MAX_PEOPLE_OFFERED = 15
PERSON_PARAMETER = "person"
# AccessLogEntry.detail of the people a search in these lists offered.
ADMIN_SEARCH = "admin-search"


class ReadOnlyMixin:
    """Nobody, whatever their role, adds, changes or deletes these rows through the admin: they
    are written by services only (audit rows, ledgers, records of runs). For model admins and
    inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    show_full_result_count = False


# --- Finding people ------------------------------------------------------------------------------


def people_matching(request: HttpRequest, site: admin.AdminSite, term: str) -> QuerySet | None:
    """The people a search term finds, with the staff search of the person's own admin (name,
    customer number, phone, email); None when there is no person model to search."""
    person = readable.person_model()
    if person is None:
        return None
    person_admin = site.get_model_admin(person)
    found, _duplicates = person_admin.get_search_results(
        request, person._default_manager.all(), term
    )
    return found.order_by(*(person._meta.ordering or ["pk"]))


def _found_people(request: HttpRequest, model_admin: admin.ModelAdmin) -> list[Model]:
    """The people the page's search found (at most MAX_PEOPLE_SEARCHED + 1), cached on the
    request: the search and the person filter both need them."""
    cache = getattr(request, "_found_people", None)
    if cache is None:
        term = request.GET.get("q", "").strip()
        found = people_matching(request, model_admin.admin_site, term) if term else None
        cache = list(found[: MAX_PEOPLE_SEARCHED + 1]) if found is not None else []
        request._found_people = cache
    return cache


class PersonFilter(admin.SimpleListFilter):
    """The person the rows are about: the people the search found, by name and customer number,
    or the one a person's page links to."""

    title = gettext_lazy("person")
    parameter_name = PERSON_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        people = _found_people(request, model_admin)[:MAX_PEOPLE_OFFERED]
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(p.pk) != chosen for p in people):
            people = [*readable.people_by_id([int(chosen)]).values(), *people]
        return [(str(person.pk), readable.person_label(person)) for person in people]

    def __init__(self, request, params, model, model_admin) -> None:
        self.filter_by_people = model_admin.filter_by_people
        super().__init__(request, params, model, model_admin)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(_("Choose the person from the list."))
        return self.filter_by_people(queryset, [int(value)])


class StaffFilter(admin.SimpleListFilter):
    """The staff member who acted, by name."""

    title = gettext_lazy("staff member")
    parameter_name = "user"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        users = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
        return [(str(user.pk), readable.staff_name(user)) for user in users]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(_("Choose the staff member from the list."))
        return queryset.filter(**{self.lookup: int(value)})


def staff_filter(lookup: str) -> type[StaffFilter]:
    return type("StaffFilter", (StaffFilter,), {"lookup": lookup})


class PeriodFilter(admin.FieldListFilter):
    """From one day to another (both included, Europe/Helsinki), typed or picked."""

    template = "admin/audit/period_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path) -> None:
        self.start_parameter = f"{field_path}_from"
        self.end_parameter = f"{field_path}_to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = gettext_lazy("period")
        self.start = self._day(self.start_parameter)
        self.end = self._day(self.end_parameter)

    def _day(self, name: str) -> str:
        """The parameter's value as given (FieldListFilter took it from the query string)."""
        value = self.used_parameters.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        return (value or "").strip()

    def expected_parameters(self) -> list[str]:
        return [self.start_parameter, self.end_parameter]

    def has_output(self) -> bool:
        return True

    @staticmethod
    def _start_of(value: str) -> datetime:
        """The start of the day, local time; the date as a date input sends it or as typed."""
        try:
            day = forms.DateField().to_python(value)
        except ValidationError as error:
            raise IncorrectLookupParameters(_("Give the dates as d.m.yyyy.")) from error
        return timezone.make_aware(datetime.combine(day, time.min))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        try:
            if self.start:
                queryset = queryset.filter(
                    **{f"{self.field_path}__gte": self._start_of(self.start)}
                )
            if self.end:
                end = self._start_of(self.end) + timedelta(days=1)
                queryset = queryset.filter(**{f"{self.field_path}__lt": end})
        except (ValueError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset

    def choices(self, changelist: ChangeList):
        keep = {
            key: value
            for key, value in changelist.get_filters_params().items()
            if key not in (self.start_parameter, self.end_parameter)
        }
        if changelist.query:
            keep["q"] = changelist.query
        yield {
            "start_parameter": self.start_parameter,
            "end_parameter": self.end_parameter,
            "start": self.start,
            "end": self.end,
            "hidden": sorted(
                (key, item)
                for key, value in keep.items()
                for item in (value if isinstance(value, list) else [value])
            ),
            "clear_query_string": changelist.get_query_string(
                remove=[self.start_parameter, self.end_parameter]
            ),
            "selected": bool(self.start or self.end),
        }


class PeopleAdminMixin:
    """Search by person (name or customer number) rather than by id, and a note when the search
    found more people than a list can narrow to."""

    class Media:
        css = {"all": ["css/audit-admin.css"]}

    search_fields = ["pk"]  # shows the search box; the search itself is get_search_results
    search_help_text = gettext_lazy(
        "The person's name or customer number; then pick the person under the filters."
    )

    def filter_by_people(self, queryset: QuerySet, ids: list[int]) -> QuerySet:
        raise NotImplementedError

    def log_people_offered(self, request: HttpRequest, response: Any) -> None:
        """The people a search offers by name are shown to the privacy officer: log them, as
        the staff search logs its results."""
        people = getattr(request, "_found_people", [])[:MAX_PEOPLE_OFFERED]
        if people and getattr(response, "status_code", 0) == 200:
            AccessLogEntry.record_many(
                actor=request.user,
                action=AccessAction.SEARCH,
                purpose=AccessPurpose.SUPERVISION,
                subjects=[(person, None) for person in people],
                detail=ADMIN_SEARCH,
            )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        people = _found_people(request, self)
        if len(people) > MAX_PEOPLE_SEARCHED:
            messages.warning(
                request,
                _("The search found more than %(count)d people: add to it to narrow it down.")
                % {"count": MAX_PEOPLE_SEARCHED},
            )
            people = people[:MAX_PEOPLE_SEARCHED]
        if not people:
            return queryset.none(), False
        return self.filter_by_people(queryset, [person.pk for person in people]), False


def _person_link(person: Model | None) -> str:
    if person is None:
        return "–"
    try:
        url = person.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return readable.person_label(person)
    return format_html('<a href="{}">{}</a>', url, readable.person_label(person))


def _staff_link(request_path: str, user: Model | None, client: Model | None) -> str:
    """The actor by name; a staff member's name filters the list by them."""
    if user is not None:
        return format_html(
            '<a href="{}?user={}" title="{}">{}</a>',
            request_path,
            user.pk,
            _("Everything by this staff member"),
            readable.staff_name(user),
        )
    if client is not None:
        return format_html("{} ({})", client, _("API client"))
    return _("automatic job")


# --- The access log ------------------------------------------------------------------------------


class AccessLogChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        entries = list(self.result_list)
        person = readable.person_model()
        person_type = None
        if person is not None:
            from django.contrib.contenttypes.models import ContentType

            person_type = ContentType.objects.get_for_model(person)
        people = readable.people_by_id(
            e.subject_id for e in entries if e.subject_type_id == getattr(person_type, "pk", None)
        )
        for entry in entries:
            entry.person = (
                people.get(entry.subject_id)
                if entry.subject_type_id == getattr(person_type, "pk", None)
                else None
            )
        self.result_list = entries


# What kind of list or search a person appeared in (AccessLogEntry.detail).
ACCESS_DETAILS = {
    ADMIN_SEARCH: gettext_lazy("a person search in administration"),
    "admin-list": gettext_lazy("an administration list"),
    "admin-history": gettext_lazy("an administration history page"),
    "recordings": gettext_lazy("the list of call recordings"),
    "company-contacts": gettext_lazy("a company's contact persons"),
    "all": gettext_lazy("search: all customers"),
    "customer_number": gettext_lazy("search by customer number"),
    "phone": gettext_lazy("search by phone number"),
    "email": gettext_lazy("search by email"),
    "business_id": gettext_lazy("search by business ID"),
    "text": gettext_lazy("search by name"),
    "typo": gettext_lazy("search: nearest names"),
}


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(PeopleAdminMixin, ReadOnlyAdmin):
    list_display = ["when", "person", "actor_name", "action", "purpose", "what"]
    list_display_links = ["when"]
    list_filter = [
        PersonFilter,
        staff_filter("user"),
        ("at", PeriodFilter),
        "action",
        "purpose",
        "api_client",
    ]
    list_select_related = ["user", "api_client", "subject_type", "object_type"]
    list_per_page = 50
    date_hierarchy = "at"
    fields = ["when", "person", "actor_name", "action", "purpose", "what", "people"]
    readonly_fields = fields

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AccessLogChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        response = super().changelist_view(
            request, {**(extra_context or {}), "title": _("Access log")}
        )
        self.log_people_offered(request, response)
        return response

    def filter_by_people(self, queryset: QuerySet, ids: list[int]) -> QuerySet:
        # By label: audit sits below the register and does not import it.
        person = readable.person_model()
        return queryset.filter(
            subject_id__in=ids,
            subject_type__app_label=person._meta.app_label,
            subject_type__model=person._meta.model_name,
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        entry = super().get_object(request, object_id, from_field)
        if entry is not None:
            person = readable.person_model()
            same = entry.subject_type.model_class() is person
            entry.person = (
                readable.people_by_id([entry.subject_id]).get(entry.subject_id) if same else None
            )
        return entry

    @admin.display(description=gettext_lazy("time"), ordering="at")
    def when(self, entry: AccessLogEntry) -> str:
        return local_stamp(entry.at)

    @admin.display(description=gettext_lazy("person"))
    def person(self, entry: AccessLogEntry) -> str:
        if entry.person is not None:
            return _person_link(entry.person)
        model = entry.subject_type.model_class()
        name = model._meta.verbose_name if model is not None else entry.subject_type.model
        return f"{str(name).capitalize()} {entry.subject_id}"

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, entry: AccessLogEntry) -> str:
        return _staff_link(self._changelist_path(), entry.user, entry.api_client)

    @admin.display(description=gettext_lazy("what"))
    def what(self, entry: AccessLogEntry) -> str:
        parts = []
        if entry.object_type_id is not None:
            model = entry.object_type.model_class()
            name = model._meta.verbose_name if model is not None else entry.object_type.model
            parts.append(f"{str(name).capitalize()} {entry.object_id}")
        if entry.detail:
            parts.append(str(ACCESS_DETAILS.get(entry.detail, entry.detail)))
        if entry.people is not None:
            parts.append(
                ngettext("%(count)d person", "%(count)d people", entry.people)
                % {"count": entry.people}
            )
        return ", ".join(parts) or "–"

    def _changelist_path(self) -> str:
        return reverse(f"{self.admin_site.name}:audit_accesslogentry_changelist")


# --- The change history --------------------------------------------------------------------------


class HistoryChangeList(EventsChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        events = list(self.result_list)
        readable.annotate_events(events)
        self.result_list = events


class TrackedModelFilter(admin.SimpleListFilter):
    """What kind of record changed, by its Finnish name."""

    title = gettext_lazy("record")
    parameter_name = "record"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        import pghistory.core

        tracked = {m.pgh_tracked_model for m in pghistory.core.event_models()}
        return sorted(
            ((m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in tracked),
            key=lambda choice: choice[1],
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        import pghistory.core

        if not self.value():
            return queryset
        try:
            model = apps.get_model(self.value())
        except (LookupError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.across(*pghistory.core.event_models(tracks_model=model))


class EventKindFilter(admin.SimpleListFilter):
    title = gettext_lazy("event")
    parameter_name = "event"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(label, str(name)) for label, name in readable.EVENT_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in readable.EVENT_LABELS:
            return queryset.filter(pgh_label=self.value())
        return queryset


class HistoryAdmin(PeopleAdminMixin, EventsAdmin):
    """pghistory's events, in Finnish: who changed whose what, from what to what."""

    change_list_template = "admin/change_list.html"
    list_per_page = 50
    show_full_result_count = False
    list_display_links = None
    search_fields = ["pgh_obj_id"]  # shows the search box; the search is by person

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return ["when", "person", "record", "event", "changes", "actor_name"]

    def get_list_filter(self, request: HttpRequest) -> list:
        return [
            PersonFilter,
            staff_filter("pgh_context__user"),
            ("pgh_created_at", PeriodFilter),
            TrackedModelFilter,
            EventKindFilter,
        ]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return HistoryChangeList

    def filter_by_people(self, queryset: QuerySet, ids: list[int]) -> QuerySet:
        person = readable.person_model()
        return queryset.references([person(pk=pk) for pk in ids])

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # Django's own view, not pghistory's: that one names the page after the model and
        # describes its own filters (?obj=, ?method=) in English.
        response = admin.ModelAdmin.changelist_view(
            self, request, {**(extra_context or {}), "title": _("Change history")}
        )
        self.log_people_offered(request, response)
        return response

    @admin.display(description=gettext_lazy("time"), ordering="pgh_created_at")
    def when(self, event: Any) -> str:
        return local_stamp(event.pgh_created_at)

    @admin.display(description=gettext_lazy("person"))
    def person(self, event: Any) -> str:
        return _person_link(event.person)

    @admin.display(description=gettext_lazy("record"))
    def record(self, event: Any) -> str:
        return readable.tracked_name(event.tracked_model, event.pgh_obj_model)

    @admin.display(description=gettext_lazy("event"))
    def event(self, event: Any) -> str:
        return str(readable.EVENT_LABELS.get(event.pgh_label, event.pgh_label))

    @admin.display(description=gettext_lazy("changes"))
    def changes(self, event: Any) -> str:
        if not event.changes:
            return "–"
        return format_html(
            '<ul class="changes">{}</ul>',
            format_html_join("", "<li>{}</li>", ((str(change),) for change in event.changes)),
        )

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, event: Any) -> str:
        path = reverse(f"{self.admin_site.name}:pghistory_events_changelist")
        return _staff_link(path, event.staff, event.api_client)
