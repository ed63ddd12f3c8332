#!/usr/bin/env bash
# Starts (or stops, or says whether it is running) a throwaway PostgreSQL server on loopback for the test suite; prints its SQLAlchemy URL.
set -euo pipefail
DIR=${KIOSK_PG_DIR:-/tmp/kiosk-test-pg}
PORT=${KIOSK_PG_PORT:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$BIN" ] || { echo "postgres.sh: PostgreSQL is not installed (make system-deps)" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      rm -rf "$DIR"; mkdir -p "$DIR"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -U postgres -A trust --no-sync >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    fi
    as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='kiosk_test'" \
      | grep -q 1 || as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres kiosk_test
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/kiosk_test"
    ;;
  running)
    as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
