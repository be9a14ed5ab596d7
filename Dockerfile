# The register's image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .

# Static files and compiled translations are built into the image. The build needs a
# placeholder secret only because settings refuse to load without one.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv -v 0

RUN useradd --system --uid 1000 register && mkdir -p /app/var/media && chown -R register /app/var
USER register

EXPOSE 8000
CMD ["gunicorn", "pkregister.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
