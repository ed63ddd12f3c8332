#!/usr/bin/env bash
# Installs the Debian packages the kiosk, the gateway and the test suite need; does nothing when all are present.
set -euo pipefail
PACKAGES=(
  xvfb xauth                      # a virtual display for the kiosk UI on a machine with no screen
  fonts-wqy-microhei              # CJK font: Chinese on screen, on receipts and in PDFs
  libgl1 libgl1-mesa-dri libegl1 libmtdev1   # OpenGL (software) and touch input for Kivy
  postgresql                      # the production database, used by the PostgreSQL test run
  pgbouncer                       # the connection pooler in front of PostgreSQL in the scale-out benches (bench/pg_cluster.py)
  chromium chromium-driver        # a real browser for the dashboard and payment-page tests
  libzbar0                        # independent QR decoder used to check printed codes
  espeak-ng                       # optional spoken prompts
  poppler-utils                   # pdftoppm: look at printed proofs as images; pdfsig: an independent check
                                  # of the electronic seal on sealed proofs
  libnss3-tools                   # certutil: the NSS database that makes pdfsig trust the demo seal CA in tests
  cups                            # CUPS (cupsd, lp, lpstat, filters): the tests print proofs through a
                                  # private cupsd to a real queue
  xdotool                         # real key and close events in the lockdown test
  prometheus                      # a real Prometheus scrapes the gateway's /metrics in the tests
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "system-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
