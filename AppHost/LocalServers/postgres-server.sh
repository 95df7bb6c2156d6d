#!/usr/bin/env bash
# PostgreSQL for the AppHost's local-process mode (no container runtime). Aspire runs this script as the `postgres`
# executable resource once the AppHost has prepared the data folder (LocalPostgresSetup.cs):
#   postgres-server.sh BIN_DIRECTORY ROOT PORT durable|fast [USER]
# ROOT holds data/ (PGDATA) and run/ (the Unix socket). The script stays in front of the postmaster because:
# - DCP stops an executable with SIGTERM and SIGKILLs it ~5 s later. SIGTERM is PostgreSQL's *smart* shutdown, which
#   waits for every pooled client connection to close, so it would always end in SIGKILL. The trap turns SIGTERM
#   (and SIGINT) into a *fast* shutdown (SIGINT to the postmaster): clients are disconnected, a checkpoint is written.
# - The postmaster gets SIGKILL when this script dies (--pdeathsig), so a kill of the process id Aspire reports leaves
#   no server behind.
# - USER (given when the AppHost runs as root, which PostgreSQL refuses) is the user it runs as.
set -uo pipefail
bin="$1"; root="$2"; port="$3"; durability="$4"; user="${5:-}"

as_user=()
[ -z "$user" ] || as_user=(--reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups)
settings=(-c listen_addresses=127.0.0.1 -c "unix_socket_directories=$root/run")
# Throwaway test clusters only: a crash may lose or corrupt data.
[ "$durability" = durable ] || settings+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)

echo "postgres-server: 127.0.0.1:$port, $durability commits"
setpriv "${as_user[@]}" --pdeathsig KILL -- "$bin/postgres" -D "$root/data" -p "$port" "${settings[@]}" &
postmaster=$!
trap 'kill -INT "$postmaster" 2>/dev/null' TERM INT
wait "$postmaster"; status=$?
# A trapped signal ends `wait` early; wait again until the postmaster itself has exited.
while [ -d "/proc/$postmaster" ]; do wait "$postmaster"; status=$?; done
exit "$status"
