#!/usr/bin/env bash
# Runs every benchmark in bench/ in turn (or the ones named); each prints its figures beside its own baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(bench/bench_*.py)
for b in "${benches[@]}"; do
  echo "== $b"
  if [ -z "${DISPLAY:-}" ] && grep -q kivy "$b"; then
    xvfb-run -a -s "-screen 0 1080x1920x24" .venv/bin/python "$b"
  else
    .venv/bin/python "$b"
  fi
done
