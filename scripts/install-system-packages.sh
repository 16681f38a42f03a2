#!/usr/bin/env bash
# Debian packages the tests run for real: Redis, tesseract (+ Portuguese), espeak-ng (to make
# a voice note), fonts with accents (to render OCR test images), Maven (the Kestra suite), curl
# (runs the compose `flows` service's script) and nginx (runs the tunnel's webhook proxy config).
# Idempotent; needs root.
set -euo pipefail
packages=(redis-server tesseract-ocr tesseract-ocr-por espeak-ng fonts-dejavu-core maven curl nginx)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run this script as root)" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
