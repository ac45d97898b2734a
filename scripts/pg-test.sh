#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL for the store tests: pg-test.sh start|stop DIR
#   start: initdb in DIR/data, start postgres listening only on a unix socket in DIR (no TCP), create the database
#          "ccsp" owned by the superuser "ccsp", and write its URL to DIR/url (postgresql:///ccsp?host=DIR&user=ccsp).
#   stop:  stop that server (fast shutdown) and remove DIR.
# initdb refuses to run as root: as root, the server runs as the "postgres" system user (or "nobody").
# Exit 0 on success; on failure the server log (DIR/log) is printed.
set -eu

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

bindir=""
if command -v pg_config >/dev/null 2>&1; then
	bindir=$(pg_config --bindir)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || { echo "pg-test: no initdb (install postgresql)" >&2; exit 1; }

# as_pg CMD...: run as the server's user
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$pguser" -- "$@"
	else
		"$@"
	fi
}

pguser=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	if id postgres >/dev/null 2>&1; then pguser=postgres; else pguser=nobody; fi
fi

case "$cmd" in
start)
	[ ! -e "$dir/data" ] || "$0" stop "$dir" || true
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# the socket path must fit sun_path (107 bytes with ".s.PGSQL.5432")
	[ ${#dir} -le 90 ] || { echo "pg-test: $dir is too long for a unix socket path" >&2; exit 1; }
	[ "$(id -u)" -ne 0 ] || chown "$pguser" "$dir"
	as_pg "$bindir/initdb" -D "$dir/data" -U ccsp -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# listen_addresses='': no TCP at all; fsync off: a test database, speed over durability
	if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
		-o "-c listen_addresses= -k $dir -c fsync=off -c max_connections=50" start >/dev/null; then
		cat "$dir/log" >&2
		exit 1
	fi
	as_pg "$bindir/createdb" -h "$dir" -U ccsp ccsp
	echo "postgresql:///ccsp?host=$dir&user=ccsp" >"$dir/url"
	echo "pg-test: PostgreSQL running, $(cat "$dir/url")"
	;;
stop)
	if [ -d "$dir/data" ]; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2
	exit 2
	;;
esac
