"""What accounts/ holds, and the staff-side tables of the installed third-party apps, declared
once (DESIGN.md, contract 1). None of them holds data about the register's data subjects: they
are about staff users and machine clients, whose own data the controller processes under the
employment relationship, outside the privacy notice."""

from __future__ import annotations

from privacy.declarations import not_personal

STAFF = "Staff accounts and their sign-in, not the register's data subjects"

not_personal("accounts.ApiClient", reason="A machine client; no data subject.")
not_personal(
    "accounts.IdempotencyRecord",
    reason="A machine client's request key and the ids it was answered with; no data subject.",
)
not_personal("auth.User", reason=f"{STAFF}: usernames, names and roles of staff users.")
not_personal("auth.Group", reason="The roles (accounts.roles): names only.")
not_personal("auth.Permission", reason="The permissions of the installed models.")
not_personal(
    "sessions.Session",
    reason=f"{STAFF}: a staff user's session holds the user's id, the second factor's state "
    "and pending messages; no view of ours writes a customer's data into it.",
)
for device in ("otp_totp.TOTPDevice", "otp_static.StaticDevice", "otp_static.StaticToken"):
    not_personal(device, reason=f"{STAFF}: a staff user's second-factor device.")
for attempt in (
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "axes.AccessAttemptExpiration",
):
    not_personal(
        attempt,
        reason=f"{STAFF}: sign-in attempts to staff accounts (username, address, browser), "
        "removed after LOGIN_ATTEMPT_RETENTION_DAYS.",
    )
not_personal(
    "accounts.Enrolment",
    reason=f"{STAFF}: a staff account's link to enrol its second factor (hash, times, issuer).",
)
