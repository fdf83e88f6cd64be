#!/usr/bin/env bash
# PostgreSQL restore drill (issue 15; docs/backups.md), run as root on a host converged by
# roles/postgresql_hardening with pgBackRest on (`make restore-drill-postgresql`):
#   1. back up the primary into the encrypted repository (incremental; full when none exists);
#   2. commit a marker row, note the time, then commit a second row after that time;
#   3. restore the latest backup into a scratch cluster on another port (private socket, no TCP),
#      replaying archived WAL to the noted time (PITR);
#   4. prove the marker row is back and the later row is not, then tear the scratch cluster down;
#   5. prove a wrong repository passphrase fails with a clear error.
# The passphrase is never read or printed here: pgBackRest reads it from its 0640 postgres config.
set -euo pipefail

CONF=${PGBACKREST_CONF:-/etc/pgbackrest.conf}
PORT=${DRILL_PORT:-5499}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY_PORT=${PRIMARY_PORT:-5432}

say() { printf 'restore-drill: %s\n' "$*"; }
die() { printf 'restore-drill: FAILED: %s\n' "$*" >&2; exit 1; }
as_postgres() { runuser -u postgres -- "$@"; }
primary_sql() { psql -X -v ON_ERROR_STOP=1 -At -U postgres -p "$PRIMARY_PORT" -d postgres -c "$1"; }

[ "$(id -u)" -eq 0 ] || die "run as root (runuser to postgres)"
[ -r "$CONF" ] || die "$CONF not found: converge with postgresql_hardening_pgbackrest on first"
STANZA=$(sed -n 's/^\[\([^]:]*\)\]$/\1/p' "$CONF" | grep -vx global | head -n 1)
[ -n "$STANZA" ] || die "no stanza section in $CONF"
REPO=$(sed -n 's/^repo1-path=//p' "$CONF")
grep -qx 'repo1-cipher-type=aes-256-cbc' "$CONF" || die "$CONF: the repository is not encrypted (repo1-cipher-type)"

SCRATCH=$(as_postgres mktemp -d /var/lib/postgresql/hardgate-drill.XXXXXX)
WRONG=$(as_postgres mktemp -d /var/lib/postgresql/hardgate-drill-wrong.XXXXXX)
teardown() {
    if [ -f "$SCRATCH/postmaster.pid" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$SCRATCH" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf -- "$SCRATCH" "$WRONG"
    primary_sql "DROP TABLE IF EXISTS hardgate_restore_drill" >/dev/null 2>&1 || true
}
trap teardown EXIT

say "stanza $STANZA, repository $REPO (aes-256-cbc)"
say "1/5 backup (incremental, full if the repository has none)"
as_postgres pgbackrest --stanza="$STANZA" --type=incr backup

MARKER="drill-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
say "2/5 marker transaction $MARKER, then a later row the restore must not bring back"
primary_sql "CREATE TABLE IF NOT EXISTS hardgate_restore_drill (marker text PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())" >/dev/null
primary_sql "INSERT INTO hardgate_restore_drill (marker) VALUES ('$MARKER')" >/dev/null
sleep 1
TARGET=$(primary_sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1
primary_sql "INSERT INTO hardgate_restore_drill (marker) VALUES ('$MARKER-after')" >/dev/null
# check switches to a new WAL segment and waits until it is archived: the target is in the repository.
as_postgres pgbackrest --stanza="$STANZA" check

say "3/5 restore the latest backup to $TARGET into $SCRATCH (port $PORT, socket only)"
as_postgres pgbackrest --stanza="$STANZA" --pg1-path="$SCRATCH" --type=time --target="$TARGET" \
    --target-action=promote --log-level-console=warn restore
# The backup holds no postgresql.conf (Debian keeps it in /etc): a minimal one, no TCP, no archiving.
as_postgres tee "$SCRATCH/postgresql.conf" >/dev/null <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SCRATCH'
unix_socket_permissions = 0700
archive_mode = off
shared_preload_libraries = ''
logging_collector = off
EOF
as_postgres tee "$SCRATCH/pg_hba.conf" >/dev/null <<EOF
local postgres postgres peer
EOF
as_postgres tee "$SCRATCH/pg_ident.conf" </dev/null >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$SCRATCH" -l "$SCRATCH/drill.log" -w -t 120 start >/dev/null \
    || { tail -n 20 "$SCRATCH/drill.log" >&2; die "the scratch cluster did not start"; }
scratch_sql() { as_postgres psql -X -v ON_ERROR_STOP=1 -At -h "$SCRATCH" -p "$PORT" -d postgres -c "$1"; }
for _ in $(seq 1 120); do
    [ "$(scratch_sql 'SELECT pg_is_in_recovery()' 2>/dev/null || echo t)" = f ] && break
    sleep 0.5
done
[ "$(scratch_sql 'SELECT pg_is_in_recovery()')" = f ] || die "the scratch cluster did not finish recovery"

say "4/5 check the restored data"
[ "$(scratch_sql "SELECT count(*) FROM hardgate_restore_drill WHERE marker = '$MARKER'")" = 1 ] \
    || die "the marker row is not in the restored cluster"
[ "$(scratch_sql "SELECT count(*) FROM hardgate_restore_drill WHERE marker = '$MARKER-after'")" = 0 ] \
    || die "the restore went past the target time (the later row is back)"
say "marker row restored at the point in time; the later row is not there"
as_postgres "$PG_BIN/pg_ctl" -D "$SCRATCH" -m fast -w stop >/dev/null
rm -rf -- "$SCRATCH"
say "scratch cluster stopped and removed"

say "5/5 a wrong passphrase must fail"
set +e
OUT=$(as_postgres env PGBACKREST_CONFIG=/dev/null PGBACKREST_REPO1_PATH="$REPO" PGBACKREST_REPO1_CIPHER_TYPE=aes-256-cbc \
    PGBACKREST_REPO1_CIPHER_PASS="wrong-$MARKER" pgbackrest --stanza="$STANZA" --pg1-path="$WRONG" \
    --log-level-console=error restore 2>&1 | LC_ALL=C tr -cd '\11\12\40-\176')
RC=$?
set -e
# A wrong key decrypts backup.info to garbage: pgBackRest cannot load it (CryptoError or FormatError,
# "is or was the repo encrypted?") and finds no backup set to restore.
[ "$RC" -ne 0 ] || die "a restore with a wrong passphrase did not fail"
REASON=$(grep -Eo '\[(CryptoError|FormatError)\] unable to load info file' <<<"$OUT" | head -n 1 || true)
[ -n "$REASON" ] || die "unexpected error for a wrong passphrase (exit $RC): $(head -n 3 <<<"$OUT")"
say "wrong passphrase refused (exit $RC): $REASON backup.info - the repository cannot be decrypted"
[ -z "$(ls -A "$WRONG")" ] || die "a restore with a wrong passphrase wrote files"
say "PASS"
