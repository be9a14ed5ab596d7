"""The access package of GDPR Art. 15, built from the personal-data declarations.

Never from a hand-kept list of models: every declared model has its section in `data.json`
(its rows about the person, each field with its Finnish label), every stored file of those rows
is in the package as it is (call recordings as audio), and the readable PDF (Finnish, or English
when the request says so) gives the data by category with the purposes, legal bases, sources and
retention the declarations state; the recipients by name from this person's own disclosures
(CJEU C-154/21); the rights of notice §12 and the right to complain; that no automated decisions
are made (notice §15); and when and why the record was consulted, without the staff members'
names (CJEU C-579/21).

A job builds it (`dsar.tasks.build_access_package`) and reports its progress; the privacy officer
reviews it and may withhold items with a reason (Art. 15(4)), which rebuilds it; then releases it.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.history import attributed_to
from audit.models import AccessLogEntry
from dsar.models import (
    AccessPackage,
    DataSubjectRequest,
    PackageStatus,
    RequestType,
    WithheldItem,
    WorkflowError,
)
from jobs.services import enqueue
from privacy.declarations import Basis, PersonalData, Source, registry

PACKAGE_TYPES = frozenset({RequestType.ACCESS, RequestType.PORTABILITY})
CHUNK = 2_000
# The job that builds a package, recorded with what starts it (jobs/).
BUILD_JOB = "dsar.tasks.build_access_package"


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, writing any other value (a phone number, an IP address) as its text."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def item_key(row: models.Model) -> str:
    return f"{row._meta.label_lower}#{row.pk}"


def _value(row: models.Model, field: models.Field, labels: dict | None) -> Any:
    value = getattr(row, field.attname)
    if isinstance(field, models.FileField):
        return value.name if hasattr(value, "name") else (value or "")
    if labels and not isinstance(value, list) and value not in (None, ""):
        return labels.get(value, value)
    return value


def _choice_labels(fields: list[models.Field]) -> dict[str, dict]:
    """The Finnish label of each choice, per field, computed once per model."""
    with translation.override("fi"):
        return {
            f.name: {key: str(label) for key, label in f.flatchoices}
            for f in fields
            if getattr(f, "choices", None)
        }


def _fields(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def declared_rows(declaration: PersonalData, customer_pk: int) -> models.QuerySet:
    model = declaration.model_class
    return (
        model._base_manager.filter(**declaration.subject_filter(customer_pk))
        .order_by("pk")
        .distinct()
    )


def start_package(*, dsar: DataSubjectRequest, by) -> AccessPackage:
    """Queue the building of the request's access package (identity first, as every action)."""
    from dsar.services import record_action

    if dsar.customer_id is None:
        raise WorkflowError(_("Match the request to a customer first."))
    if not PACKAGE_TYPES & set(dsar.types):
        raise WorkflowError(_("The request does not ask for access or portability."))
    with transaction.atomic(), attributed_to(by):
        record_action(dsar=dsar, text=_("Access package started."), by=by)
        package = AccessPackage.objects.create(request=dsar, created_by=by)
        _enqueue(package)
    return package


def _enqueue(package: AccessPackage) -> None:
    enqueue(BUILD_JOB, package.pk)


def withhold(*, package: AccessPackage, item: str, reason: str, by) -> WithheldItem:
    """Leave an item out of the package, with the reason; the package is built again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withholding the item.")})
    if package.status == PackageStatus.RELEASED:
        raise WorkflowError(_("The package has already been released."))
    with transaction.atomic(), attributed_to(by):
        withheld, created = WithheldItem.objects.get_or_create(
            package=package, item=item, defaults={"reason": reason, "withheld_by": by}
        )
        if created:
            from dsar.services import record_action

            record_action(
                dsar=package.request,
                text=_("Withheld from the access package: %(item)s (%(reason)s)")
                % {"item": item, "reason": reason},
                by=by,
            )
            AccessPackage.objects.filter(pk=package.pk).update(
                status=PackageStatus.QUEUED, progress=0
            )
            _enqueue(package)
    return withheld


def release(*, package: AccessPackage, by) -> None:
    """Release the reviewed package: it can now be handed over."""
    from dsar.services import action_done, record_action

    with transaction.atomic(), attributed_to(by):
        locked = AccessPackage.objects.select_for_update().get(pk=package.pk)
        if locked.status != PackageStatus.READY:
            raise WorkflowError(_("Only a built package that is ready can be released."))
        locked.status = PackageStatus.RELEASED
        locked.released_at = timezone.now()
        locked.released_by = by
        locked.save()
        record_action(dsar=locked.request, text=_("Access package released."), by=by)
        action_done(locked.request, RequestType.ACCESS, _("Access package released."), by)
        action_done(locked.request, RequestType.PORTABILITY, _("Portable data released."), by)
    package.refresh_from_db()


def build(package_pk: int) -> AccessPackage | None:
    """Build the package: claim it (queued → building, so two workers never build it both),
    write data.json, the files and the PDF into one zip, store it, and mark it ready."""
    claimed = AccessPackage.objects.filter(
        pk=package_pk, status__in=[PackageStatus.QUEUED, PackageStatus.FAILED]
    ).update(status=PackageStatus.BUILDING, progress=0, error="")
    if not claimed:
        return None
    package = AccessPackage.objects.select_related("request__customer").get(pk=package_pk)
    try:
        _build(package)
    except Exception as error:
        AccessPackage.objects.filter(pk=package_pk).update(
            status=PackageStatus.FAILED, error=f"{type(error).__name__}: {error}"[:300]
        )
        raise
    package.refresh_from_db()
    return package


def _build(package: AccessPackage) -> None:
    dsar = package.request
    customer = dsar.customer
    withheld = set(package.withheld.values_list("item", flat=True))
    declarations = registry.declarations()
    data: dict[str, Any] = {}
    summary: dict[str, dict[str, Any]] = defaultdict(lambda: {"models": [], "rows": 0})
    rows_total = files_total = 0
    language = dsar.language if dsar.language in ("fi", "en") else "fi"
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, declaration in enumerate(declarations):
                model = declaration.model_class
                fields = _fields(model)
                with translation.override("fi"):
                    labels = {f.name: str(f.verbose_name) for f in fields}
                    title = str(model._meta.verbose_name_plural)
                choices = _choice_labels(fields)
                has_files = any(isinstance(f, models.FileField) for f in fields)
                rows = []
                for row in declared_rows(declaration, customer.pk).iterator(chunk_size=CHUNK):
                    key = item_key(row)
                    if key in withheld:
                        continue
                    values = {f.name: _value(row, f, choices.get(f.name)) for f in fields}
                    rows.append({"item": key, **values})
                    if not has_files:
                        continue
                    files_total += _add_files(archive, row, fields)
                data[model._meta.label_lower] = {
                    "name": title,
                    "category": declaration.category,
                    "fields": labels,
                    "rows": rows,
                }
                rows_total += len(rows)
                part = summary[declaration.category]
                part["models"].append((title, len(rows), declaration))
                part["rows"] += len(rows)
                AccessPackage.objects.filter(pk=package.pk).update(
                    progress=min(90, int(90 * (index + 1) / len(declarations)))
                )
            if RequestType.PORTABILITY in dsar.types:
                _add_portable(archive, data)
            views = [
                {"at": entry["at"], "action": entry["action"], "purpose": entry["purpose"]}
                for entry in AccessLogEntry.objects.about(customer)
                .order_by("-at")
                .values("at", "action", "purpose")
            ]
            document = {
                "controller": settings.CONTROLLER,
                "request": dsar.reference,
                "created": timezone.now(),
                "data": data,
                "views_of_the_record": views,
                "withheld": len(withheld),
            }
            archive.writestr(
                "tiedot.json",
                json.dumps(document, cls=_Encoder, ensure_ascii=False, indent=1),
            )
            archive.writestr(
                "tiedot.pdf" if language == "fi" else "your-data.pdf",
                _pdf(dsar, summary, views, withheld, language),
            )
            # The same document as HTML, for screen readers and for search.
            archive.writestr(
                "tiedot.html" if language == "fi" else "your-data.html",
                readable_html(dsar, summary, views, withheld, language),
            )
        spool.seek(0)
        package.file.save(f"{dsar.reference}.zip", File(spool), save=False)
    AccessPackage.objects.filter(pk=package.pk).update(
        file=package.file.name,
        status=PackageStatus.READY,
        progress=100,
        rows=rows_total,
        files=files_total,
        built_at=timezone.now(),
    )


def portable(declaration: PersonalData) -> bool:
    """Art. 20: data the person provided themselves, processed on consent or contract."""
    return Source.DATA_SUBJECT in declaration.sources and declaration.basis in (
        Basis.CONSENT,
        Basis.CONTRACT,
    )


def _add_portable(archive: zipfile.ZipFile, data: dict[str, Any]) -> None:
    """Write the portable part (GDPR Art. 20) as JSON and as CSV, one file per kind of data."""
    from customers.exports import neutralise

    portable_data = {}
    for declaration in registry.declarations():
        if not portable(declaration):
            continue
        label = declaration.model_class._meta.label_lower
        section = data.get(label)
        if section is None:
            continue
        portable_data[label] = section
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        names = list(section["fields"])
        writer.writerow([neutralise(section["fields"][n]) for n in names])
        for row in section["rows"]:
            writer.writerow([neutralise(_csv_cell(row.get(n))) for n in names])
        archive.writestr(f"siirrettavat/{label}.csv", "\ufeff" + buffer.getvalue())
    archive.writestr(
        "siirrettavat/tiedot.json",
        json.dumps(portable_data, cls=_Encoder, ensure_ascii=False, indent=1),
    )


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, cls=_Encoder, ensure_ascii=False)
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def _add_files(archive: zipfile.ZipFile, row: models.Model, fields: list[models.Field]) -> int:
    """Copy the row's stored files into the package, as they are; return how many."""
    added = 0
    label = row._meta.label_lower
    for target in fields:
        if not isinstance(target, models.FileField):
            continue
        stored = getattr(row, target.attname)
        if not stored:
            continue
        arcname = f"tiedostot/{label}/{row.pk}-{target.name}{PurePath(stored.name).suffix}"
        with stored.open("rb") as source, archive.open(arcname, "w") as out:
            for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                out.write(chunk)
        added += 1
    return added


def _pdf(dsar, summary, views, withheld, language: str) -> bytes:
    from weasyprint import HTML

    from dsar.letters import _refusing_fetcher

    html = readable_html(dsar, summary, views, withheld, language)
    return HTML(string=html, url_fetcher=_refusing_fetcher(), base_url=None).write_pdf()


def readable_html(dsar, summary, views, withheld, language: str) -> str:
    """Return the package's readable document as HTML (rendered to PDF by _pdf)."""
    from consents.selectors import disclosures_of

    with translation.override(language):
        categories = []
        for category, part in summary.items():
            declarations = [d for _t, _n, d in part["models"]]
            categories.append(
                {
                    "label": str(declarations[0].category.label)
                    if hasattr(declarations[0].category, "label")
                    else category,
                    "rows": part["rows"],
                    "models": [(title, count) for title, count, _d in part["models"]],
                    "purposes": sorted({str(p.label) for d in declarations for p in d.purposes}),
                    "bases": sorted({str(d.basis.label) for d in declarations}),
                    "sources": sorted({str(s.label) for d in declarations for s in d.sources}),
                    "retention": sorted(
                        {
                            d.retention.describe()
                            if hasattr(d.retention, "describe")
                            else str(_("while the customer relationship lasts"))
                            for d in declarations
                        }
                    ),
                }
            )
        from audit.models import AccessAction, AccessPurpose

        # By day, what and why, with how many times: a readable page however often the record
        # was opened (every single entry is in the data file).
        by_day: dict[tuple, int] = defaultdict(int)
        for view in views:
            day = timezone.localtime(view["at"]).date()
            by_day[(day, view["action"], view["purpose"])] += 1
        consulted = [
            {
                "at": day,
                "action": str(AccessAction(action).label),
                "purpose": str(AccessPurpose(purpose).label),
                "times": times,
            }
            for (day, action, purpose), times in sorted(by_day.items(), reverse=True)
        ]
        recipients = [
            {"name": d.recipient.name, "at": d.disclosed_at, "basis": d.get_basis_display()}
            for d in disclosures_of(dsar.customer)
        ]
        return render_to_string(
            f"dsar/access/{language}.html",
            {
                "request": dsar,
                "controller": settings.CONTROLLER,
                "today": timezone.localdate(),
                "categories": categories,
                "recipients": recipients,
                "views": consulted,
                "withheld": len(withheld),
            },
        )
