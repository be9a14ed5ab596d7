"""System checks: every retention policy must be runnable as declared."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def retention_policies_are_runnable(app_configs: object = None, **kwargs: object) -> list[Error]:
    from privacy.retention import deletion_problems, policies

    return [
        Error(problem, id="privacy.E001")
        for policy in policies
        for problem in [*policy.problems(), *deletion_problems(policy)]
    ]
