#!/usr/bin/env bash
# `alembic upgrade head` then `alembic check` (models and migrations agree) on a fresh
# SQLite database, and on PostgreSQL when VALUECENTER_TEST_DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {
  VALUECENTER_DATABASE_URL="$1" .venv/bin/alembic -c alembic.ini upgrade head >/dev/null 2>&1 \
    || { VALUECENTER_DATABASE_URL="$1" .venv/bin/alembic -c alembic.ini upgrade head; exit 1; }
  VALUECENTER_DATABASE_URL="$1" .venv/bin/alembic -c alembic.ini check
}
echo "migrations on SQLite:"; check "sqlite:///$tmp/check.db"
if [ -n "${VALUECENTER_TEST_DATABASE_URL:-}" ]; then
  base=${VALUECENTER_TEST_DATABASE_URL%/*}
  .venv/bin/python - "$base" <<'PY'
import sys
import psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://") + "/postgres"
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS valuecenter_migrations_check")
    conn.execute("CREATE DATABASE valuecenter_migrations_check")
PY
  echo "migrations on PostgreSQL:"; check "$base/valuecenter_migrations_check"
fi
