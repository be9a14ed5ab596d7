# The register's image: gunicorn for the web, the same image for the Celery worker and beat.
# PostgreSQL 15 client programs: `manage.py backup` and `restore` run pg_dump and pg_restore.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
       postgresql-client-15 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .

# Static files (hashed names, compressed) and compiled translations are built into the image.
# These build commands need no runtime secret (manage.py marks them as a build step); gunicorn,
# the worker and beat still refuse to start without theirs.
RUN python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv -v 0

RUN useradd --system --uid 1000 register && mkdir -p /app/var/media && chown -R register /app/var
USER register

EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "pkregister.wsgi:application"]
