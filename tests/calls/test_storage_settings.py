"""Where recordings are stored: local disk by default, S3-compatible storage when configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = (
    "import django; django.setup(); "
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__name__, getattr(s, 'bucket_name', '-'), "
    "getattr(s, 'default_acl', '-'), getattr(s, 'file_overwrite', '-'))"
)


def probe(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_S3_")}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "pkregister.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout.strip()


def test_files_go_to_local_disk_by_default():
    assert probe().split()[0] == "FileSystemStorage"


def test_files_go_to_a_private_s3_bucket_when_one_is_named():
    name, bucket, acl, overwrite = probe(
        DJANGO_S3_BUCKET="pk-tallenteet",
        DJANGO_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        DJANGO_S3_REGION="eu-north-1",
    ).split()
    assert (name, bucket, acl, overwrite) == ("S3Storage", "pk-tallenteet", "private", "False")
