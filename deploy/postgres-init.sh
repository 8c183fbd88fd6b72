#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
# Taskwire's own role, not a superuser and without BYPASSRLS, so the tables' row-level security
# (a second wall keyed by workspace, behind the query filters) applies to it; and its database.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set=pw="$TASKWIRE_DB_PASSWORD" <<'SQL'
CREATE ROLE taskwire LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE PASSWORD :'pw';
CREATE DATABASE taskwire OWNER taskwire;
SQL
