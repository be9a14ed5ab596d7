"""Published versions of the privacy notice, and the results of the daily consistency check."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

VERSION_PROTECT_TRIGGER = "noticeversion_immutable"
SECTION_PROTECT_TRIGGER = "noticesection_immutable"


class NoticeVersionQuerySet(models.QuerySet):
    def current(self) -> NoticeVersion | None:
        """Return the version in force: the latest published."""
        return self.order_by("-number").first()


class NoticeVersion(models.Model):
    """One published privacy notice. Never changed or deleted once published (a trigger)."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    effective_on = models.DateField(_("in force from"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
        help_text=_("Empty for a notice imported from its text."),
    )
    # What the system declared when this version was generated and published (notice.facts):
    # the record of processing of this version is rendered from it, and the consistency check
    # compares it with what is declared now. Empty for an imported text.
    facts = models.JSONField(_("declarations at publication"), null=True, blank=True)

    objects = NoticeVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice version")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-number"]
        permissions = [("publish_noticeversion", _("Can publish the privacy notice"))]
        constraints = [
            models.CheckConstraint(
                name="noticeversion_number_positive", condition=models.Q(number__gte=1)
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name=VERSION_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return _("Version %(number)d (%(date)s)") % {
            "number": self.number,
            "date": f"{self.effective_on.day}.{self.effective_on.month}.{self.effective_on.year}",
        }

    @property
    def is_generated(self) -> bool:
        return self.facts is not None

    def sections_in(self, language: str) -> list[NoticeSection]:
        """Return this version's sections in one language, title (0) first; [] if none."""
        return [s for s in self.sections.all() if s.language == language]


class NoticeSection(models.Model):
    """One numbered section of a version in one language; number 0 is the title line."""

    version = models.ForeignKey(
        NoticeVersion, on_delete=models.PROTECT, related_name="sections", verbose_name=_("version")
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    number = models.PositiveSmallIntegerField(_("number"))
    heading = models.TextField(_("heading"))
    body = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("privacy notice section")
        verbose_name_plural = _("privacy notice sections")
        ordering = ["version", "language", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language", "number"], name="noticesection_unique_number"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name=SECTION_PROTECT_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.heading}"

    def blocks(self) -> list[tuple[str, list[str]]]:
        """Return the body as ("p", [text]) paragraphs and ("ul", [items]) lists."""
        found: list[tuple[str, list[str]]] = []
        for block in self.body.split("\n\n"):
            lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
            if not lines:
                continue
            if all(line.startswith("- ") for line in lines):
                found.append(("ul", [line[2:] for line in lines]))
            else:
                found.append(("p", [" ".join(lines)]))
        return found


class ConsistencyCheck(models.Model):
    """One run of the consistency check between the published notice and the declarations."""

    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    version = models.ForeignKey(
        NoticeVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version checked"),
    )
    differences = models.JSONField(_("differences"), default=list, blank=True)

    class Meta:
        verbose_name = _("privacy notice check")
        verbose_name_plural = _("privacy notice checks")
        ordering = ["-checked_at"]
        indexes = [
            # The front page reads the latest check.
            models.Index(fields=["-checked_at"], name="consistencycheck_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def passed(self) -> bool:
        return not self.differences
