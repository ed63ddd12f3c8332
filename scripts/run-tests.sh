#!/usr/bin/env bash
# Runs the whole suite in parallel (pytest-xdist): starts PostgreSQL for the PostgreSQL run; each worker starts its own
# virtual display (tests/conftest.py), cupsd, ptys, ports and temp folders.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIOSK_TEST_PG_URL
# A server someone else started (another test run, a developer) is used and left running.
if bash scripts/postgres.sh running; then started_pg=0; else started_pg=1; fi
KIOSK_TEST_PG_URL=$(bash scripts/postgres.sh start)
if [ "$started_pg" = 1 ]; then trap 'bash scripts/postgres.sh stop' EXIT; fi
# Most tests wait on devices, processes and sockets rather than compute: more workers than cores pays off.
# KIOSK_TEST_WORKERS=0 runs the suite serially in this process. A file's tests stay together on one worker
# (--dist loadfile): the UI and gateway stacks are module fixtures.
workers=${KIOSK_TEST_WORKERS:-4}
if [ "$workers" = 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
