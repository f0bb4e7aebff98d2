#!/bin/sh
# Install PostgreSQL from Debian's packages, start a private server on loopback and create the
# database the inventory tests use. Idempotent: a second run finds the server up and only
# prints the URL. Prints the connection URL on its last line of stdout.
#
#   CCTV_PG_DATA  data directory   (default /var/tmp/cctv-scan-pg)
#   CCTV_PG_PORT  TCP port         (default 5432)
#
# The server listens on 127.0.0.1 only; the tests read CCTV_TEST_POSTGRES_URL or this default:
#   postgresql://cctv:cctv@127.0.0.1:5432/cctv_test
set -eu

DATA=${CCTV_PG_DATA:-/var/tmp/cctv-scan-pg}
PORT=${CCTV_PG_PORT:-5432}
URL="postgresql://cctv:cctv@127.0.0.1:${PORT}/cctv_test"

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; }
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

as_pg() { runuser -u postgres -- "$@"; }

if [ ! -s "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    chown postgres:postgres "$DATA"
    chmod 700 "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" --auth-local=trust --auth-host=scram-sha-256 \
        --username=postgres -E UTF8 >&2
fi

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -w -t 60 -l "$DATA/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k /tmp" start >&2
fi

psql_pg() { as_pg "$BIN/psql" -h /tmp -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname='cctv'")" != "1" ]; then
    psql_pg -c "CREATE ROLE cctv LOGIN PASSWORD 'cctv' CREATEDB" >&2
fi
if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname='cctv_test'")" != "1" ]; then
    psql_pg -c "CREATE DATABASE cctv_test OWNER cctv" >&2
fi

echo "$URL"
