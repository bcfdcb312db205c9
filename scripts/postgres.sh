#!/usr/bin/env bash
# A PostgreSQL server for the course's gradebook (docs/grading.md, "The PostgreSQL gradebook").
#
#   bash scripts/postgres.sh start    create the cluster on first use, start it, print its URL
#   bash scripts/postgres.sh url      the gradebook URL, for RNNCOURSE_DB_URL or --db-url
#   bash scripts/postgres.sh status   exit 0 if it is running, 3 if not
#   bash scripts/postgres.sh stop     stop it (fast shutdown); the data stays
#
# The cluster lives in $RNNCOURSE_PG_DIR (default: autograder/postgres, beside the SQLite
# gradebook: gitignored, and kept by `make clean`):
#   data/    the cluster (initdb), owned by the server's user, mode 0700
#   run/     the server's unix socket          log/server.log   its log
#   port     the TCP port it listens on (127.0.0.1 only, a free port chosen at start)
#   pgpass   the course role's password, in libpq's passfile format, mode 0600
# The URL names the passfile instead of carrying the password, so it can be printed,
# logged and put in reports. Debian's `postgresql` package provides the server
# (`make system-deps`). PostgreSQL refuses to run as root: run as root, this script runs
# the server as the `postgres` system user; otherwise as the calling user.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${RNNCOURSE_PG_DIR:-$REPO/autograder/postgres}"
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac   # the server's user starts in /
DB=rnncourse
ROLE=rnncourse

die() { echo "postgres.sh: $*" >&2; exit 1; }

pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$found" ] && [ -x "$found/initdb" ] \
        || die "PostgreSQL is not installed: run 'make system-deps' (Debian package postgresql)"
    echo "$found"
}

if [ "$(id -u)" -eq 0 ]; then
    OWNER=postgres
    id "$OWNER" >/dev/null 2>&1 || die "no 'postgres' user: install Debian's postgresql package (make system-deps)"
    as_owner() { (cd / && runuser -u "$OWNER" -- "$@"); }
else
    OWNER="$(id -un)"
    as_owner() { (cd / && "$@"); }
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
    [ -f "$DIR/data/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

url() {
    [ -f "$DIR/port" ] || die "no cluster in $DIR: run 'bash scripts/postgres.sh start' first"
    echo "postgresql+psycopg://$ROLE@127.0.0.1:$(cat "$DIR/port")/$DB?passfile=$DIR/pgpass"
}

init_cluster() {
    mkdir -p "$DIR"
    DIR="$(cd "$DIR" && pwd)"
    chmod 0711 "$DIR"   # the server's user must be able to enter it, not to list it
    as_owner test -x "$DIR" \
        || die "user $OWNER cannot enter $DIR: set RNNCOURSE_PG_DIR to a folder whose parents it can enter (e.g. /srv/rnncourse-postgres)"
    mkdir -p "$DIR/data" "$DIR/run" "$DIR/log"
    [ "$OWNER" = "$(id -un)" ] || chown "$OWNER:" "$DIR/data" "$DIR/run" "$DIR/log"
    chmod 0700 "$DIR/data"
    local password
    password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
    (umask 077 && printf '127.0.0.1:*:%s:%s:%s\n' "$DB" "$ROLE" "$password" > "$DIR/pgpass")
    # peer authentication on the socket (the server's user administers), passwords on TCP
    as_owner "$BIN/initdb" -D "$DIR/data" -U "$OWNER" --auth-local=peer \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; die "initdb failed (log above)"; }
    echo "$1" > "$DIR/port"
    start_server
    # the password goes through psql's standard input: never on a command line or in a log
    as_owner "$BIN/psql" -h "$DIR/run" -p "$(cat "$DIR/port")" -U "$OWNER" -d postgres \
        -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
CREATE ROLE $ROLE LOGIN PASSWORD '$password';
CREATE DATABASE $DB OWNER $ROLE;
SQL
}

start_server() {
    local port
    port="$(cat "$DIR/port")"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log/server.log" -w -t 60 \
        -o "-p $port -k $DIR/run -c listen_addresses=127.0.0.1" start >/dev/null
}

start() {
    if running; then
        url
        return
    fi
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
        init_cluster "$(free_port)"
    else
        DIR="$(cd "$DIR" && pwd)"
        local tries=0
        # the port of the last run may be taken by now: take another free one
        port_free "$(cat "$DIR/port")" || free_port > "$DIR/port"
        until start_server 2>>"$DIR/start.log"; do
            tries=$((tries + 1))
            [ $tries -lt 5 ] || die "the server did not start: see $DIR/log/server.log"
            free_port > "$DIR/port"
        done
    fi
    url
}

stop() {
    if [ -f "$DIR/data/PG_VERSION" ] && running; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null
    fi
    if [ -f "$DIR/data/postmaster.pid" ]; then
        die "the server in $DIR still has a postmaster.pid: see $DIR/log/server.log"
    fi
}

BIN="$(pg_bin)"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) DIR="$(cd "$DIR" 2>/dev/null && pwd || echo "$DIR")"; url ;;
    status) running || exit 3 ;;
    *) echo "usage: bash scripts/postgres.sh start|stop|url|status  (cluster in \$RNNCOURSE_PG_DIR, default autograder/postgres)" >&2; exit 2 ;;
esac
