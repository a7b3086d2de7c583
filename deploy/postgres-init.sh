#!/bin/bash
# First start of the postgres container: the owner role (runs migrations, owns the tables) and the
# app role (reads and writes, owns nothing, no BYPASSRLS) — row-level security binds the app.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE keystone_owner LOGIN PASSWORD '${KEYSTONE_OWNER_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE keystone_app LOGIN PASSWORD '${KEYSTONE_APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE keystone OWNER keystone_owner;
REVOKE ALL ON DATABASE keystone FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE keystone TO keystone_app;  -- TEMPORARY: the ratings recompute stages scores in a temp table
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname keystone \
  -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO keystone_owner;"
