"""The queue of stored files to delete (PendingFileDeletion), as retention and erasure work it."""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage

from privacy import plan
from privacy.models import PendingFileDeletion

pytestmark = pytest.mark.django_db

QUEUE = "test-queue"
FIELD = "calls.callrecording.audio"


def queued(name: str) -> PendingFileDeletion:
    return PendingFileDeletion.objects.create(policy=QUEUE, field=FIELD, storage_name=name)


def written(media_root, name: str):
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")
    return path


def test_the_queue_goes_chunk_by_chunk_and_a_refused_file_stays_queued_for_the_next_run(
    media_root, undeletable, monkeypatch
):
    """Chunks of three: the file in the refusing directory stays with its error, one already
    gone counts as deleted, every other file goes, and each chunk is reported in order."""
    monkeypatch.setattr(plan, "FILE_CHUNK", 3)
    names = [f"calls/ok/{number}.wav" for number in range(8)]
    names[4] = "calls/locked/4.wav"
    items = [queued(name) for name in names]
    paths = [written(media_root, name) for name in names]
    paths[6].unlink()  # deleted earlier, by a run killed before it could note it
    reports = []

    with undeletable(paths[4].parent):
        done = plan.delete_queued_files(
            QUEUE, reported=lambda n, failures: reports.append((n, [pk for pk, _ in failures]))
        )
        assert paths[4].exists()

    assert done == 7
    assert reports == [(3, []), (2, [items[4].pk]), (2, [])]
    assert [path.exists() for path in paths] == [False] * 4 + [True] + [False] * 3
    left = PendingFileDeletion.objects.get()
    assert (left.pk, left.attempts) == (items[4].pk, 1)
    assert "PermissionError" in left.last_error

    assert plan.delete_queued_files(QUEUE) == 1
    assert not paths[4].exists()
    assert not PendingFileDeletion.objects.exists()


@pytest.mark.parametrize("name", ["../outside.wav", "calls/../../outside.wav", "{absolute}"])
def test_a_queued_name_that_leads_out_of_the_storage_is_refused_and_nothing_outside_goes(
    media_root, name
):
    outside = media_root.parent / "outside.wav"
    outside.write_bytes(b"RIFF")
    item = queued(name.format(absolute=outside))

    assert plan.delete_queued_files(QUEUE) == 0

    assert outside.exists()
    item.refresh_from_db()
    assert item.attempts == 1
    assert "SuspiciousFileOperation" in item.last_error


def test_a_queued_name_that_is_a_directory_stays_queued(media_root):
    """Django's own delete() would remove an empty directory; a queued name is always a file,
    so the queue refuses one rather than delete what no row named."""
    (media_root / "calls" / "empty").mkdir(parents=True)
    item = queued("calls/empty")

    assert plan.delete_queued_files(QUEUE) == 0

    assert (media_root / "calls" / "empty").is_dir()
    item.refresh_from_db()
    assert item.attempts == 1


def test_a_storage_with_a_delete_of_its_own_is_asked_to_delete(media_root, monkeypatch):
    """Only Django's own file-system storage is deleted by path: a storage that overrides
    delete() (object storage, a subclass that logs or archives) gets every name through it."""
    asked = []

    class OwnDelete(FileSystemStorage):
        def delete(self, name):
            asked.append(name)
            super().delete(name)

    monkeypatch.setattr(plan, "storage_of", lambda label: OwnDelete(location=media_root))
    names = [f"calls/{number}.wav" for number in range(3)]
    paths = [written(media_root, name) for name in names]
    for name in names:
        queued(name)

    assert plan.delete_queued_files(QUEUE) == 3

    assert sorted(asked) == names
    assert not any(path.exists() for path in paths)
