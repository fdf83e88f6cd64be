#!/usr/bin/env bash
# sysbench oltp_read_write against two throwaway mariadbd instances that differ only in data-at-rest
# encryption: one with the role's settings (file_key_management with this host's key file, InnoDB
# tables FORCE, redo log, temporary tables and files), one without. Same binary, buffer pool, data
# size and unix-socket client; alternating rounds; prints the median ratio encrypted/plain.
# The buffer pool is smaller than the data so pages really go to and from disk (where encryption runs).
# Run as root after `make harden-local` (it reads /etc/mysql/encryption, never prints a key).
#   bench/sysbench_mariadb_encryption.sh [rounds] [seconds] [table_size] [threads]
set -euo pipefail
ROUNDS=${1:-3}; SECS=${2:-20}; SIZE=${3:-100000}; THREADS=${4:-4}
TABLES=4; POOL=32M
KEYDIR=/etc/mysql/encryption
WORK=$(mktemp -d /var/tmp/hgbench-mariadb.XXXXXX)
chmod 0755 "$WORK"

command -v sysbench >/dev/null || { apt-get update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq sysbench; }
[ -r "$KEYDIR/keyfile.enc" ] || { echo "no key file in $KEYDIR: converge first (make harden-local)" >&2; exit 2; }

start() { # $1 name, then extra mariadbd options
  local name=$1; shift
  mkdir -p "$WORK/$name"; chown mysql:mysql "$WORK/$name"
  mariadb-install-db --no-defaults --user=mysql --datadir="$WORK/$name/data" \
    --auth-root-authentication-method=socket >/dev/null 2>&1
  setsid runuser -u mysql -- /usr/sbin/mariadbd --no-defaults --datadir="$WORK/$name/data" \
    --socket="$WORK/$name/s.sock" --pid-file="$WORK/$name/m.pid" --skip-networking \
    --log-error="$WORK/$name/error.log" --innodb-buffer-pool-size="$POOL" "$@" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 120); do mariadb-admin -S "$WORK/$name/s.sock" ping >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$name did not start: $(tail -n 3 "$WORK/$name/error.log")" >&2; exit 1
}
cleanup() {
  for name in plain encrypted; do
    [ -S "$WORK/$name/s.sock" ] && mariadb-admin -S "$WORK/$name/s.sock" shutdown 2>/dev/null || true
  done
  sleep 2; rm -rf -- "$WORK"
}
trap cleanup EXIT

start plain
start encrypted --plugin-load-add=file_key_management --file-key-management-filename="$KEYDIR/keyfile.enc" \
  --file-key-management-filekey="FILE:$KEYDIR/keyfile.key" --file-key-management-encryption-algorithm=AES_CTR \
  --innodb-encrypt-tables=FORCE --innodb-encrypt-log=ON --innodb-encrypt-temporary-tables=ON \
  --encrypt-tmp-files=ON --encrypt-tmp-disk-tables=ON --aria-encrypt-tables=ON --innodb-encryption-threads=4

sb() { # $1 instance, $2 command
  sysbench oltp_read_write --db-driver=mysql --mysql-socket="$WORK/$1/s.sock" --mysql-user=root \
    --mysql-db=sbtest --tables="$TABLES" --table-size="$SIZE" --threads="$THREADS" --time="$SECS" \
    --report-interval=0 "$2"
}
for name in plain encrypted; do
  mariadb -S "$WORK/$name/s.sock" -e "CREATE DATABASE sbtest"
  sb "$name" prepare >/dev/null
done
enc=$(mariadb -S "$WORK/encrypted/s.sock" -N -e \
  "SELECT COUNT(*) FROM information_schema.INNODB_TABLESPACES_ENCRYPTION WHERE NAME LIKE 'sbtest/%' AND ENCRYPTION_SCHEME=1")
echo "encrypted instance: $enc of $TABLES sbtest tablespaces encrypted"

tps() { sb "$1" run | awk '/transactions:/ {gsub(/[()]/, "", $3); print $3; exit}'; }
e_all=(); p_all=()
for r in $(seq 1 "$ROUNDS"); do
  p=$(tps plain); e=$(tps encrypted)
  p_all+=("$p"); e_all+=("$e")
  printf 'round %d: encrypted %s tps, plain %s tps\n' "$r" "$e" "$p"
done
python3 - "${e_all[*]}" "${p_all[*]}" "$SIZE" "$THREADS" "$SECS" "$POOL" <<'PY'
import statistics, sys
e = [float(x) for x in sys.argv[1].split()]; p = [float(x) for x in sys.argv[2].split()]
me, mp = statistics.median(e), statistics.median(p)
print(f"median encrypted {me:.1f} tps, plain {mp:.1f} tps (4 tables x {sys.argv[3]} rows, {sys.argv[4]} threads, "
      f"{sys.argv[5]}s rounds, buffer pool {sys.argv[6]})")
print(f"ratio encrypted/plain = {me / mp:.3f}")
PY
