"""A benchmark's own database, on the server DATABASE_URL names: never the developer's one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# Read once, before use() points DATABASE_URL at the benchmark's database.
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pkregister")


def url(name: str) -> str:
    """Return the URL of the database `name` on the server DATABASE_URL names."""
    return BASE_URL.rsplit("/", 1)[0] + "/" + name


def use(name: str) -> None:
    """Point Django, in this process and in the ones it starts, at the database `name`."""
    os.environ["DATABASE_URL"] = url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkregister.settings")


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(url("postgres"), autocommit=True)


def create(name: str, *, keep: bool = False) -> None:
    """Create the database `name` afresh; with `keep`, keep the one an earlier run left."""
    with admin_connection() as conn:
        if not keep:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop(name: str) -> None:
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate() -> None:
    """Migrate the database use() named, in a child process (this one may hold no Django)."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
