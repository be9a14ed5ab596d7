"""Machine clients of the API, and the Actor type that attributes every change."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, TypeAlias, Union

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_PREFIX_LENGTH = 12


class Scope(models.TextChoices):
    """What a machine client may do; each API view names the one scope it needs."""

    CALLS = "calls", _("Telephony: call recordings")
    SURVEYS = "surveys", _("SMS gateway: survey answers")
    FEEDBACK = "feedback", _("Website: feedback")
    VISITS = "visits", _("Website: visit data")
    CONSENTS = "consents", _("Website: consents")
    REQUESTS = "requests", _("Website: written data-subject requests")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClientQuerySet(models.QuerySet):
    def active(self) -> ApiClientQuerySet:
        return self.filter(revoked_at__isnull=True)

    def authenticate(self, token: str) -> ApiClient | None:
        """Return the active client that owns this token, or None."""
        prefix = token[:TOKEN_PREFIX_LENGTH]
        client = self.active().filter(token_prefix=prefix).first()
        if client is None or not secrets.compare_digest(client.token_hash, _hash_token(token)):
            return None
        return client


class ApiClient(models.Model):
    """A machine that calls the API: the telephony system, the SMS gateway, the website.

    Only a hash of the token is stored; the token itself is shown once, when it is created.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    scopes = ArrayField(
        models.CharField(max_length=20, choices=Scope.choices), verbose_name=_("scopes")
    )
    token_prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scopes__len__gt=0), name="apiclient_has_scope"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(
        cls, *, name: str, scopes: list[str], by: User | None = None
    ) -> tuple[ApiClient, str]:
        """Create a client and return it with its token, which is never retrievable again."""
        token = "pkr_" + secrets.token_urlsafe(32)
        client = cls.objects.create(
            name=name,
            scopes=sorted(set(scopes)),
            token_prefix=token[:TOKEN_PREFIX_LENGTH],
            token_hash=_hash_token(token),
            created_by=by,
        )
        return client, token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes

    def revoke(self) -> None:
        """Revoke the token at once; the client's history stays attributable."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


# Who did something: a staff user or a machine client. Services take one explicitly.
Actor: TypeAlias = Union["User", ApiClient]  # noqa: UP007


class EnrolmentQuerySet(models.QuerySet):
    def usable(self) -> EnrolmentQuerySet:
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())

    def redeem(self, token: str) -> Enrolment | None:
        """Return the usable enrolment this token belongs to, or None."""
        return self.usable().filter(token_hash=_hash_token(token)).first()


class Enrolment(models.Model):
    """Leave for one staff account to enrol its authentication app, issued by the privacy
    officer or an administrator: a password alone never enrols a device, so a phished password
    is not enough to take an account over. The link is shown once; only its hash is stored.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    expires_at = models.DateTimeField(_("expires"), editable=False)
    used_at = models.DateTimeField(_("used"), null=True, blank=True, editable=False)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment link")
        verbose_name_plural = _("enrolment links")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def issue(cls, *, user: User, by: User | None) -> tuple[Enrolment, str]:
        """Create an enrolment for `user` and return it with its token, never shown again.

        Any earlier unused link of the user stops working.
        """
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        cls.objects.filter(user=user).usable().update(expires_at=now)
        enrolment = cls.objects.create(
            user=user,
            token_hash=_hash_token(token),
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(hours=settings.ENROLMENT_LINK_HOURS),
        )
        return enrolment, token


class IdempotencyRecord(models.Model):
    """The answer a client got to a request it sent with an `Idempotency-Key` header, so that a
    retry of the same request gets the same answer and does nothing twice.

    Written in the same transaction as the request's effect: a retry that arrives while the
    first is still running waits on the unique key and then reads its answer.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=100)
    # SHA-256 of the request body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    # The answer's body: ids and counts only (the endpoints that take a key answer no more).
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key_unique")
        ]
        indexes = [
            # The daily prune deletes by age.
            models.Index(fields=["created_at"], name="idempotency_created_idx"),
        ]

    def __str__(self) -> str:
        return self.key
