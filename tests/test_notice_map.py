"""README.md's map of the notice is generated from the declarations and policies, and kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from privacy import notice_map

README = Path(settings.BASE_DIR) / "README.md"


def test_the_readme_map_is_up_to_date():
    call_command("notice_map", "--check")


def test_a_stale_map_fails_the_check(tmp_path):
    stale = tmp_path / "README.md"
    text = README.read_text(encoding="utf-8")
    stale.write_text(
        text.replace("`call-recordings`: deleted 30 days", "`call-recordings`: deleted 60 days"),
        encoding="utf-8",
    )
    assert stale.read_text(encoding="utf-8") != text

    with pytest.raises(CommandError, match="stale"):
        call_command("notice_map", "--check", readme=str(stale))

    call_command("notice_map", "--write", readme=str(stale))
    assert stale.read_text(encoding="utf-8") == text


def test_a_map_naming_a_service_that_is_gone_fails(monkeypatch):
    gone = notice_map.NoticeSection("11", "Kept", services=("privacy.retention.no_such_thing",))
    monkeypatch.setattr(notice_map, "SECTIONS", [*notice_map.SECTIONS, gone])
    with pytest.raises(CommandError, match="no service privacy.retention.no_such_thing"):
        call_command("notice_map", "--check")


def test_every_declared_model_and_policy_is_on_the_map():
    rendered = notice_map.render()
    for declaration in notice_map.registry.declarations():
        assert f"| `{declaration.model}` |" in rendered
    for policy in notice_map.policies:
        assert f"`{policy.name}`" in rendered
