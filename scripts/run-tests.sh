#!/usr/bin/env bash
# Runs the whole suite: starts PostgreSQL for the PostgreSQL run and a virtual display when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIOSK_TEST_PG_URL
# A server someone else started (another test run, a developer) is used and left running.
if bash scripts/postgres.sh running; then started_pg=0; else started_pg=1; fi
KIOSK_TEST_PG_URL=$(bash scripts/postgres.sh start)
if [ "$started_pg" = 1 ]; then trap 'bash scripts/postgres.sh stop' EXIT; fi
run=(.venv/bin/python -m pytest "$@")
if [ -z "${DISPLAY:-}" ]; then
  xvfb-run -a -s "-screen 0 1080x1920x24" "${run[@]}"
else
  "${run[@]}"
fi
