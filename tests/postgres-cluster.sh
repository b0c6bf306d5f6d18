#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints its URL.
# Installs Debian's postgresql package when its server is missing. The
# cluster lives in DIR (default: one under /tmp per checkout), owned by the `postgres`
# user (initdb and pg_ctl refuse to run as root), listens on a free loopback
# port and a socket in DIR, trusts loopback connections, and is stopped and
# wiped by `stop`. Usage:
#   url=$(bash tests/postgres-cluster.sh start [DIR])
#   db_url=$(bash tests/postgres-cluster.sh createdb NAME [DIR])   # fresh, empty
#   bash tests/postgres-cluster.sh restart [DIR]   # fast: drops every connection
#   bash tests/postgres-cluster.sh stop [DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: postgres-cluster.sh start|createdb NAME|restart|stop [DIR]}
if [ "$cmd" = createdb ]; then
    name=${2:?usage: postgres-cluster.sh createdb NAME [DIR]}
    case "$name" in *[!a-z0-9_]*) echo "database names here are [a-z0-9_]+" >&2; exit 2 ;; esac
    shift
fi
# The default directory is under /tmp, which the postgres user can always
# reach (a clone under /root may not be), named after the target directory
# so that start and stop of one checkout agree.
target=${CARGO_TARGET_DIR:-$repo/target}
dir=${2:-/tmp/memstore-postgres-$(printf %s "$target" | sha256sum | cut -c1-12)}

bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
        { apt-get install -y -qq postgresql || { apt-get update -qq && apt-get install -y -qq postgresql; }; } >&2
        d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$d"
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    bin=$(bindir)
    if [ -f "$dir/port" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
        exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Many test databases and connections at once; fsync stays on, as in
    # production, so durability and the benchmarks mean what they say.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=128MB" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
createdb)
    url=$(bash "$0" start "$dir")
    PGOPTIONS='-c client_min_messages=warning' "$(bindir)/psql" -q -v ON_ERROR_STOP=1 "$url" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >&2
    echo "${url%/*}/$name"
    ;;
restart)
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >&2
    ;;
stop)
    bin=$(bindir)
    if [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: postgres-cluster.sh start|createdb NAME|restart|stop [DIR]" >&2
    exit 2
    ;;
esac
