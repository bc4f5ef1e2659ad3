#!/usr/bin/env bash
# Make sure what the test suite needs is here: Debian's Chromium and ChromeDriver, and a running PostgreSQL.
# Safe to run again; installs only what is missing. Needs root (or sudo) to install packages.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "Need root to run: $*" >&2; return 1; fi; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "Installing Debian's chromium and chromium-driver..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! pg_ready; then
  if ! command -v pg_ctlcluster >/dev/null && [ ! -d /etc/postgresql ]; then
    echo "Installing PostgreSQL..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  echo "Starting PostgreSQL..."
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
if ! pg_ready; then
  echo "PostgreSQL is not accepting connections on 127.0.0.1:5432." >&2
  exit 1
fi
# Tests connect as postgres over TCP without a password (trust auth, as on these machines).
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
  echo "Cannot connect as user postgres on 127.0.0.1:5432 without a password;" \
       "set TEST_POSTGRES_URL to a URL of a role that may create databases." >&2
  [ -n "${TEST_POSTGRES_URL:-}" ] || exit 1
fi
echo "Chromium: $(chromium --version 2>/dev/null | head -n 1); PostgreSQL: ready."
