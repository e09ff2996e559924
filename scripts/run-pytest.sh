#!/usr/bin/env bash
# Runs the test suite. Database tests run on SQLite always and on PostgreSQL too when
# VALUECENTER_TEST_DATABASE_URL points at one (tests/conftest.py parametrizes them).
# pytest's exit code 5 (no tests collected) means the suite is broken: say so and fail.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -n "${VALUECENTER_TEST_DATABASE_URL:-}" ]; then
  echo "pytest on SQLite and PostgreSQL (${VALUECENTER_TEST_DATABASE_URL%%@*}@…)"
else
  echo "pytest on SQLite only (set VALUECENTER_TEST_DATABASE_URL for PostgreSQL)"
fi
# Two workers (the machine has two cores), a test file per worker at a time, so the files'
# module-scoped worlds are built once; PYTEST_WORKERS=0 runs in this process. The files go out
# in collection order, which tests/conftest.py makes heaviest first (--no-loadscope-reorder:
# xdist would order them by number of tests). The 30 slowest tests are listed at the end, so
# every CI log shows where the time goes.
.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder --durations=30 "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
fi
exit "$rc"
