#!/usr/bin/env bash
# pgbench TPS of the hardened cluster (TLS 1.3 verify-full, SCRAM, pgaudit, logging, data checksums,
# WAL archiving with pgBackRest archive-push into the encrypted repository, and the streaming replica
# when the inventory runs one) against a
# stock throwaway cluster (Debian defaults, TCP without TLS) on another port, same scale,
# alternating rounds; prints the ratio hardened/stock. Run as root after `make harden-local`.
#   bench/pgbench_hardened.sh [rounds] [seconds] [scale] [clients]
set -euo pipefail
ROUNDS=${1:-3}; SECS=${2:-10}; SCALE=${3:-10}; CLIENTS=${4:-4}
REPO=$(cd "$(dirname "$0")/.." && pwd)
VAULT_PASS=${HARDGATE_VAULT_DIR:-$HOME/.config/hardgate/vault}/local.pass
# CIS 5.x: postgres reaches only the postgres database over TCP, so the hardened run uses it; the
# pgbench_* tables are dropped afterwards.
STOCK=hgbench_stock; STOCK_PORT=5499; DB=hgbench; HARDENED_DB=postgres
PGBIN=/usr/lib/postgresql/15/bin
export ANSIBLE_CONFIG="$REPO/playbooks/ansible.cfg"

cleanup() {
  pg_dropcluster 15 "$STOCK" --stop 2>/dev/null || true
  psql -X -q -U postgres -d "$HARDENED_DB" \
    -c "DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers" 2>/dev/null || true
}
trap cleanup EXIT

# The superuser password is read from the local vault into the environment only; never echoed.
PGPASSWORD_HARDENED=$("$REPO/.venv/bin/ansible-vault" view --vault-id "local@$VAULT_PASS" \
  "$REPO/inventories/local/secrets.vault.yml" | "$REPO/.venv/bin/python" -c \
  'import sys, yaml; print(yaml.safe_load(sys.stdin)["hardgate_vault_secrets"]["postgres_superuser"])')
PGPASSWORD_STOCK=$(openssl rand -hex 24)

HARDENED="host=127.0.0.1 port=5432 dbname=$HARDENED_DB user=postgres sslmode=verify-full sslrootcert=/etc/hardgate/pki/postgresql/ca.crt"
STOCKCONN="host=127.0.0.1 port=$STOCK_PORT dbname=$DB user=postgres sslmode=disable"

cleanup
pg_createcluster 15 "$STOCK" --port "$STOCK_PORT" >/dev/null
pg_ctlcluster 15 "$STOCK" start
su postgres -c "psql -X -q -p $STOCK_PORT -c \"CREATE DATABASE $DB\"" >/dev/null
printf "ALTER ROLE postgres PASSWORD '%s'" "$PGPASSWORD_STOCK" | su postgres -c "psql -X -q -p $STOCK_PORT" >/dev/null

echo "init scale=$SCALE on both clusters"
PGPASSWORD=$PGPASSWORD_HARDENED "$PGBIN/pgbench" -q -i -s "$SCALE" "$HARDENED" >/dev/null 2>&1
PGPASSWORD=$PGPASSWORD_STOCK "$PGBIN/pgbench" -q -i -s "$SCALE" "$STOCKCONN" >/dev/null 2>&1

tps() { # $1 password, $2 conninfo
  PGPASSWORD=$1 "$PGBIN/pgbench" -n -c "$CLIENTS" -j 2 -T "$SECS" "$2" 2>/dev/null \
    | awk '/^tps = / {print $3; exit}'
}
h_all=(); s_all=()
for r in $(seq 1 "$ROUNDS"); do
  h=$(tps "$PGPASSWORD_HARDENED" "$HARDENED"); s=$(tps "$PGPASSWORD_STOCK" "$STOCKCONN")
  h_all+=("$h"); s_all+=("$s")
  printf 'round %d: hardened %s tps, stock %s tps\n' "$r" "$h" "$s"
done
python3 - "${h_all[*]}" "${s_all[*]}" "$SCALE" "$CLIENTS" "$SECS" <<'PY'
import statistics, sys
h = [float(x) for x in sys.argv[1].split()]; s = [float(x) for x in sys.argv[2].split()]
mh, ms = statistics.median(h), statistics.median(s)
print(f"median hardened {mh:.1f} tps, stock {ms:.1f} tps (scale {sys.argv[3]}, {sys.argv[4]} clients, {sys.argv[5]}s rounds)")
print(f"ratio hardened/stock = {mh / ms:.3f}")
# Each round runs hardened then stock back to back: the median of the per-round ratios is steadier
# than the ratio of medians when other jobs load the machine.
paired = statistics.median(a / b for a, b in zip(h, s))
print(f"median per-round ratio hardened/stock = {paired:.3f}")
PY
echo "hardened: data_checksums=$(psql -X -At -U postgres -c 'SHOW data_checksums'), archive_mode=$(psql -X -At -U postgres -c 'SHOW archive_mode'), replicas streaming=$(psql -X -At -U postgres -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")"
