#!/bin/sh
# Run by the postgres image at the database's first start (docker-entrypoint-initdb.d), as the
# owner role: creates the application's own role from deploy/postgres/app-role.psql.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="${APP_DB_USER:-pkregister_app}" \
    -v app_password="$APP_DB_PASSWORD" \
    -v owner_role="$POSTGRES_USER" \
    -v app_db="$POSTGRES_DB" \
    -f /pkregister/app-role.psql
