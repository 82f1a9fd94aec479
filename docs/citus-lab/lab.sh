#!/bin/bash
# The Citus lab on one machine: Citus built from its source against the system's PostgreSQL, a
# coordinator and two workers, and databases converted by the lab's SQL. Run as root or as a user
# who may run initdb; every node trusts 127.0.0.1, so never on a machine others can reach.
#
#   lab.sh build            build and install Citus (CITUS_SRC: a source tree at the tag, else cloned)
#   lab.sh up | down        start or stop the three nodes (made on first start)
#   lab.sh newdb NAME       a database on every node with Citus, the workers added
#   lab.sh fresh NAME       NAME made anew: migrated, demo data, verified, files 1, 2 and 7 run
#   lab.sh cli NAME ARGS    the skillhub CLI against NAME on the coordinator
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lab=${LAB_DIR:-$repo/.citus-lab}
citus_tag=${CITUS_TAG:-v13.2.2}
pg_major=${PG_MAJOR:-15}
pgbin=/usr/lib/postgresql/$pg_major/bin
ports=(9700 9701 9702)
coordinator=${ports[0]}
app_password=${SKILLHUB_LAB_APP_PASSWORD:-lab_server_pw}

# initdb and pg_ctl refuse root.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
node_psql() { local port=$1 db=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"; }

build() {
  apt-get install -y --no-install-recommends "postgresql-server-dev-$pg_major" build-essential autoconf flex bison \
    libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev libselinux1-dev libxslt1-dev libpam0g-dev \
    libreadline-dev git
  local src=${CITUS_SRC:-$lab/citus}
  [ -d "$src" ] || git clone --depth 1 --branch "$citus_tag" https://github.com/citusdata/citus "$src"
  # PostgreSQL 15.20's headers declare have_createdb_privilege, which Citus 13.2.2 defines again for
  # PostgreSQL before 16: Citus's copy is renamed.
  if [ "$pg_major" -lt 16 ] && grep -q have_createdb_privilege "$(pg_config --includedir-server)/commands/dbcommands.h"; then
    sed -i 's/\bhave_createdb_privilege\b/citus_have_createdb_privilege/g' \
      "$src/src/include/pg_version_compat.h" "$src/src/backend/distributed/commands/serialize_distributed_ddls.c"
  fi
  (cd "$src" && ./configure && nice -n 19 make -j"$(nproc)" && make install)
}

init_nodes() {
  mkdir -p "$lab/nodes"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$lab/nodes"
  for port in "${ports[@]}"; do
    local dir=$lab/nodes/$port
    [ -f "$dir/PG_VERSION" ] && continue
    as_postgres "$pgbin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    printf '%s\n' "port = $port" "listen_addresses = '127.0.0.1'" "shared_preload_libraries = 'citus'" \
      'max_connections = 200' 'max_prepared_transactions = 100' 'wal_level = logical' 'shared_buffers = 128MB' \
      >> "$dir/postgresql.conf"
    printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' > "$dir/pg_hba.conf"
  done
}

up() {
  init_nodes
  for port in "${ports[@]}"; do
    as_postgres "$pgbin/pg_ctl" -D "$lab/nodes/$port" status >/dev/null 2>&1 ||
      as_postgres "$pgbin/pg_ctl" -D "$lab/nodes/$port" -l "$lab/nodes/$port/logfile" -w start >/dev/null
  done
}

down() {
  for port in "${ports[@]}"; do
    as_postgres "$pgbin/pg_ctl" -D "$lab/nodes/$port" status >/dev/null 2>&1 &&
      as_postgres "$pgbin/pg_ctl" -D "$lab/nodes/$port" -m fast -w stop >/dev/null
  done
  return 0
}

newdb() {
  local name=$1
  for port in "${ports[@]}"; do
    [ "$(node_psql "$port" postgres -Atc "select 1 from pg_database where datname = '$name'")" = 1 ] ||
      node_psql "$port" postgres -c "create database \"$name\""
    node_psql "$port" "$name" -c 'set client_min_messages = warning' -c 'create extension if not exists citus'
  done
  node_psql "$coordinator" "$name" -At -c "select citus_set_coordinator_host('127.0.0.1', $coordinator)" >/dev/null
  for port in "${ports[@]:1}"; do
    node_psql "$coordinator" "$name" -At -c "select citus_add_node('127.0.0.1', $port)" >/dev/null
  done
}

cli() {
  local name=$1
  shift
  mkdir -p "$lab/home/$name"
  (cd "$repo" && DATABASE_URL="postgres://postgres@127.0.0.1:$coordinator/$name" \
    APP_DATABASE_URL="postgres://skillhub_server:$app_password@127.0.0.1:$coordinator/$name" \
    SKILLHUB_HOME="$lab/home/$name" npx skillhub "$@")
}

fresh() {
  local name=$1
  for port in "${ports[@]}"; do
    node_psql "$port" postgres -c 'set client_min_messages = warning' -c "drop database if exists \"$name\" with (force)"
  done
  rm -rf "${lab:?}/home/$name"
  newdb "$name"
  cli "$name" migrate up | tail -n 1
  cli "$name" demo >/dev/null
  cli "$name" audit verify
  for file in 1-rewrite-policies.sql 2-reference-tables.sql 7-distribute-ledger.sql; do
    node_psql "$coordinator" "$name" -f "$here/$file"
  done
}

case ${1:-} in
  build | up | down) "$1" ;;
  newdb | fresh) "$1" "${2:?a database name}" ;;
  cli) shift && cli "${1:?a database name}" "${@:2}" ;;
  *) sed -n '2,11p' "$0" && exit 2 ;;
esac
