"""Scheduled retention. Tasks are thin: they take a policy name and call the engine."""

from __future__ import annotations

from celery import shared_task

from privacy import retention


@shared_task
def enforce_retention_policies() -> list[str]:
    """Queue one run per registered policy; return their names."""
    names = retention.policies.names()
    for name in names:
        enforce_retention.delay(name)
    return names


@shared_task
def enforce_retention(policy_name: str) -> dict[str, int | str]:
    """Run one policy to the end; return its counts (ids and numbers only)."""
    run = retention.enforce_by_name(policy_name)
    if run is None:
        return {"policy": policy_name, "skipped": 1}
    return {
        "policy": policy_name,
        "run": run.pk,
        "rows": run.rows,
        "files": run.files,
        "errors": run.errors,
    }


@shared_task
def sweep_orphan_files() -> dict[str, int]:
    """Delete stored files no row refers to; report rows whose file is missing."""
    from privacy.orphans import sweep_and_record

    run = sweep_and_record()
    if run is None:
        return {"skipped": 1}
    return {"run": run.pk, "files": run.files, "missing": run.missing_files, "errors": run.errors}
