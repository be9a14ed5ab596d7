from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin import ReadOnlyAdmin, ReadOnlyMixin
from customers.exports import xlsx_response
from notice import record
from notice.draft import format_date
from notice.facts import collect
from notice.models import ConsistencyCheck, NoticeSection, NoticeVersion
from notice.pdf import render_pdf


class NoticeSectionInline(ReadOnlyMixin, admin.TabularInline):
    model = NoticeSection
    fields = ("language", "number", "heading", "body")
    readonly_fields = fields
    extra = 0


@admin.register(NoticeVersion)
class NoticeVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "effective_on", "published_at", "published_by", "record_link")
    list_select_related = ("published_by",)
    fields = ("number", "effective_on", "published_at", "published_by", "record_link")
    readonly_fields = fields
    inlines = [NoticeSectionInline]
    change_list_template = "admin/notice/noticeversion/change_list.html"

    @admin.display(description=gettext_lazy("Record of processing activities"))
    def record_link(self, obj: NoticeVersion) -> str:
        if obj.facts is None:
            return _("– (imported text)")
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:notice_record", args=[obj.pk]), _("Show")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("record/", view(self.record_view), name="notice_record_draft"),
            path("<int:pk>/record/", view(self.record_view), name="notice_record"),
            *super().get_urls(),
        ]

    def record_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        """The record of processing activities (Art. 30(1)) of a version, or of the draft."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        language = translation.get_language() or "fi"
        if pk is None:
            facts, version = collect(), None
            subtitle = _("Draft, generated %(date)s from what the system declares now.") % {
                "date": format_date(timezone.localdate())
            }
            filename = "seloste-kasittelytoimista-luonnos"
        else:
            version = NoticeVersion.objects.filter(pk=pk).first()
            if version is None or version.facts is None:
                raise Http404
            facts = version.facts
            subtitle = str(version)
            filename = f"seloste-kasittelytoimista-v{version.number}"
        built = record.build(facts, language=language)
        export = request.GET.get("format")
        if export == "xlsx":
            header, rows = built.rows()
            return xlsx_response(filename, header, rows)
        context = {"record": built, "subtitle": subtitle, "language": language}
        if export == "pdf":
            html = TemplateResponse(request, "notice/record.html", context).rendered_content
            response = HttpResponse(render_pdf(html), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
            return response
        return TemplateResponse(
            request,
            "admin/notice/record.html",
            {
                **self.admin_site.each_context(request),
                **context,
                "title": _("Record of processing activities"),
                "opts": self.model._meta,
                "version": version,
            },
        )


@admin.register(ConsistencyCheck)
class ConsistencyCheckAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "version", "difference_count")
    list_select_related = ("version",)
    fields = ("checked_at", "version", "difference_lines")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("differences"))
    def difference_count(self, obj: ConsistencyCheck) -> int:
        return len(obj.differences)

    @admin.display(description=gettext_lazy("differences"))
    def difference_lines(self, obj: ConsistencyCheck) -> str:
        return "\n".join(obj.differences) or _("None")
