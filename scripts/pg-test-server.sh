#!/bin/sh
# Starts or stops a throwaway PostgreSQL server for tests: initdb + pg_ctl in a
# temporary directory, listening only on 127.0.0.1 at a free port, no password
# (trust on loopback). PostgreSQL refuses to run as root, so as root the server
# runs as the `postgres` user that Debian's package creates.
#
#   scripts/pg-test-server.sh start DIR   prints the DSN (postgresql://...) on stdout
#   scripts/pg-test-server.sh stop DIR    stops the server and removes DIR
set -eu
cmd=${1:?start or stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg-test-server: PostgreSQL server binaries not found (Debian package postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        # The server user must be able to reach DIR: let it traverse (not read) the parent.
        chmod a+x "$(dirname "$dir")"
        chown postgres "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U batchd -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgresql://batchd@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "pg-test-server: start or stop" >&2
    exit 2
    ;;
esac
