"""Erasure on request (GDPR Art. 17): first a preview from the declarations — what will be
deleted, what anonymised, what kept, each with its reason (a kept row names its legal duty and
for how long) — then the erasure itself with `privacy.erasure.erase_person(reason=REQUEST)`,
which removes the rows, their history, the access log about them and the files. The request's
own record is what the preview says is kept (accountability, Art. 5(2)); the erasure record
holds counts only. A blocked erasure erases nothing and says why."""

from __future__ import annotations

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.history import attributed_to
from dsar.models import DataSubjectRequest, ErasurePlan, RequestType, WorkflowError
from privacy.declarations import Anonymise, Delete, Keep, file_fields, registry
from privacy.erasure import ErasureBlocked, erase_person, erasure_blockers, kept_for_duty
from privacy.models import ErasureReason


def _check(dsar: DataSubjectRequest) -> None:
    dsar.require_open()
    dsar.require_identity()
    if RequestType.ERASURE not in dsar.types:
        raise WorkflowError(_("The request does not ask for erasure."))
    if dsar.customer_id is None:
        raise WorkflowError(_("Match the request to a customer first."))


def plan_for(customer_pk: int) -> tuple[list[dict], int]:
    """Return what erasing the person would do, model by model, and how many files go.

    What blocks the erasure (a payment still being collected, GDPR Art. 17(3)(e)) comes first,
    as "block" items; rows kept under a legal duty (accounting vouchers) are "keep" items that
    say until when."""
    items, files = [], 0
    with translation.override("fi"):
        for reason in erasure_blockers(customer_pk):
            items.append(
                {
                    "model": "",
                    "name": _("Erasure blocked"),
                    "rows": 0,
                    "action": "block",
                    "what": reason,
                }
            )
        duty_kept = kept_for_duty(customer_pk)
        for declaration in registry.declarations():
            model = declaration.model_class
            rows = model._base_manager.filter(**declaration.subject_filter(customer_pk)).distinct()
            label = model._meta.label_lower
            kept = duty_kept.get(label, {})
            if kept:
                items.append(
                    {
                        "model": label,
                        "name": str(model._meta.verbose_name_plural),
                        "rows": len(kept),
                        "action": "keep",
                        "what": _("%(kept)s; the last until %(until)s")
                        % {
                            "kept": declaration.duty.describe(),
                            "until": formats.date_format(max(kept.values()), "j.n.Y"),
                        },
                    }
                )
                rows = rows.exclude(pk__in=list(kept))
            count = rows.count()
            if not count:
                continue
            erasure = declaration.erasure
            if isinstance(erasure, Delete):
                action = "delete"
            elif isinstance(erasure, Anonymise):
                action = "anonymise"
            else:
                action = "keep"
            if not isinstance(erasure, Keep):
                for target in file_fields(model):
                    if isinstance(erasure, Delete) or target.name in erasure.fields:
                        files += rows.exclude(**{target.name: ""}).count()
            items.append(
                {
                    "model": label,
                    "name": str(model._meta.verbose_name_plural),
                    "rows": count,
                    "action": action,
                    "what": erasure.describe(model),
                }
            )
    return items, files


def _comparable(items: list[dict]) -> list[tuple]:
    """What must not change between the preview and the erasure: every row that goes or is
    blanked, and which models are kept (the request's own timeline grows meanwhile)."""
    return sorted(
        (item["model"], item["action"], 0 if item["action"] == "keep" else item["rows"])
        for item in items
    )


def preview(*, dsar: DataSubjectRequest, by) -> ErasurePlan:
    """Record what erasing the request's person will do."""
    from dsar.services import record_action

    with transaction.atomic(), attributed_to(by):
        _check(dsar)
        items, files = plan_for(dsar.customer_id)
        from dsar.recipients import recipients_of

        plan = ErasurePlan.objects.create(
            request=dsar,
            plan=items,
            files=files,
            previewed_by=by,
            recipient_ids=[r.pk for r in recipients_of(dsar)],
        )
        record_action(dsar=dsar, text=_("Erasure previewed."), by=by)
    return plan


def execute(*, dsar: DataSubjectRequest, plan: ErasurePlan, by) -> ErasurePlan:
    """Erase the request's person as the preview said, or nothing at all.

    Refused when the data changed since the preview (preview again). A blocked erasure is
    recorded on the plan and in the timeline, and raised as WorkflowError with the reason."""
    from dsar.services import action_done, record_action

    if plan.executed_at is not None:
        raise WorkflowError(_("This erasure has already been done."))
    _check(dsar)
    customer = dsar.customer
    if _comparable(plan_for(customer.pk)[0]) != _comparable(plan.plan):
        raise WorkflowError(_("The person's data changed since the preview; preview again."))
    try:
        with transaction.atomic(), attributed_to(by):
            record_action(dsar=dsar, text=_("Erasure of the person's data."), by=by)
            record = erase_person(
                customer, reason=ErasureReason.REQUEST, actor=by, reference=dsar.reference
            )
            plan.executed_at = timezone.now()
            plan.erasure_record = record
            plan.save()
            deleted = sum(record.counts.get("deleted", {}).values()) if record else 0
            files = record.counts.get("files", 0) if record else 0
            record_action(
                dsar=dsar,
                text=_("Erased: %(rows)s deleted, %(files)s.")
                % {
                    "rows": ngettext("%(n)d row", "%(n)d rows", deleted) % {"n": deleted},
                    "files": ngettext("%(n)d file", "%(n)d files", files) % {"n": files},
                },
                by=by,
            )
            action_done(dsar, RequestType.ERASURE, _("Erased as previewed."), by)
    except ErasureBlocked as error:
        with transaction.atomic(), attributed_to(by):
            ErasurePlan.objects.filter(pk=plan.pk).update(blocked=str(error)[:2000])
            record_action(dsar=dsar, text=_("Erasure blocked; nothing was erased."), by=by)
        raise WorkflowError(
            _("Nothing was erased: %(reason)s") % {"reason": str(error)[:500]}
        ) from error
    dsar.refresh_from_db()
    return plan
