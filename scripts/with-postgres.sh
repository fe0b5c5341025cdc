#!/usr/bin/env bash
# Run a command with a throwaway local PostgreSQL cluster (Debian's postgresql package).
#   scripts/with-postgres.sh .venv/bin/pytest -m postgres tests/service
# Installs the package when no initdb is found, makes a cluster in a temporary folder
# (trust auth, 127.0.0.1 only, a free port), exports RURALFLOW_TEST_POSTGRES_URL, runs the
# command, then stops the cluster and removes the folder (also on failure).
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN="$(find_bin || true)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null | head -n 1)" ]; then
        $SUDO apt-get update
    fi
    $SUDO apt-get install -y --no-install-recommends postgresql
    PGBIN="$(find_bin)"
fi

# PostgreSQL refuses to run as root: use the postgres account then.
RUN=()
OWNER="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
    OWNER=postgres
    RUN=(runuser -u postgres --)
fi

DIR="$(mktemp -d /tmp/rf-pg.XXXXXX)"
chown "$OWNER" "$DIR"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
    "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT

"${RUN[@]}" "$PGBIN/initdb" -D "$DIR/data" -U rf --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log"; exit 1; }
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" start >/dev/null \
    || { cat "$DIR/server.log"; exit 1; }

export RURALFLOW_TEST_POSTGRES_URL="postgresql+psycopg://rf@127.0.0.1:$PORT/postgres"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
"$@"
