from __future__ import annotations

import psycopg
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


class Command(BaseCommand):
    help = "Check that PostgreSQL and Redis answer; if not, say in one line how to start them."

    def handle(self, *args: object, **options: object) -> None:
        db = settings.DATABASES["default"]
        try:
            # The maintenance database: ours may not exist yet, which ensure_database fixes.
            psycopg.connect(
                host=db["HOST"] or None,
                port=db["PORT"] or None,
                user=db["USER"] or None,
                password=db["PASSWORD"] or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as error:
            raise CommandError(
                f"PostgreSQL is not reachable at {_redacted(settings.DATABASE_URL)} "
                f"({str(error).strip().splitlines()[0]}). Start it with: {START_POSTGRES}"
            ) from None
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            raise CommandError(
                f"Redis is not reachable at {_redacted(settings.REDIS_URL)} ({error}). "
                f"Start it with: {START_REDIS}"
            ) from None
