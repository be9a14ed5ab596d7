from __future__ import annotations

from privacy.declarations import not_personal

not_personal(
    "jobs.Job",
    reason="A task name and ids only (arguments are ids by rule, checked when a job is recorded).",
)
not_personal(
    "jobs.ScheduledRun",
    reason="A scheduled job's name, times, outcome and an exception's class name only.",
)
