#!/usr/bin/env bash
# Two coordinator nodes on one PostgreSQL database, the conversation trace replayed through both, one
# node killed with SIGKILL mid-run and restarted. Passes when the replay reports no job lost,
# duplicated or unfinished and every receipt valid, every completion has exactly one receipt, and
# every rebuildable projection equals a fresh rebuild from the events.
#
# usage: scripts/cluster-kill-test.sh            (from the repository root, after mvn package)
# env:   JAR (coordinator-api/target/coordinator-api.jar), PG_HOST (127.0.0.1), PG_PORT (5432),
#        PG_USER (postgres), ROWS (2000 trace rows), KILL_AT (ROWS/4 jobs submitted),
#        PORT_A (18481), PORT_B (18482), PORT_PROXY (18483), POOL (10 connections per node),
#        WORK (a fresh temporary directory)
set -uo pipefail

JAR=${JAR:-coordinator-api/target/coordinator-api.jar}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
ROWS=${ROWS:-2000}
KILL_AT=${KILL_AT:-$((ROWS / 4))}
PORT_A=${PORT_A:-18481}
PORT_B=${PORT_B:-18482}
PORT_PROXY=${PORT_PROXY:-18483}
# connections per node; two nodes, the replay's reads and other users must fit in max_connections
POOL=${POOL:-10}
TRACE=${TRACE:-traces/azure-llm-inference-2023/AzureLLMInferenceTrace_conv.csv}
WORK=${WORK:-$(mktemp -d /tmp/coordinator-cluster.XXXXXX)}
DB=cluster_kill_$(date +%s)
DB_URL=jdbc:postgresql://$PG_HOST:$PG_PORT/$DB
ADMIN_KEY=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export COORDINATOR_ADMIN_KEY=$ADMIN_KEY
PIDS=()

psql_db() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$DB" -Atc "$1"; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

start_node() { # name port
    mkdir -p "$WORK/$1"
    java -jar "$JAR" --server.port="$2" --coordinator.db.url="$DB_URL" --coordinator.db.user="$PG_USER" \
        --coordinator.data-dir="$WORK/$1" --spring.datasource.hikari.maximum-pool-size="$POOL" \
        >>"$WORK/$1/out.log" 2>&1 &
    echo $! >"$WORK/$1/pid"
    PIDS+=($!)
}

await_healthy() { # name port
    for _ in $(seq 1 240); do
        if curl -sf -m 2 "http://127.0.0.1:$2/v1/health" >/dev/null; then return 0; fi
        sleep 1
    done
    log "node $1 did not become healthy; see $WORK/$1/out.log"
    return 1
}

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 2
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    log "dropped database $DB; logs in $WORK"
}
trap cleanup EXIT

[ -f "$JAR" ] || { echo "no $JAR: run mvn -q -B package -DskipTests first" >&2; exit 2; }
psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qc "CREATE DATABASE $DB" || exit 2

# node A first: it migrates the database and creates the signing key, which node B must share
start_node a "$PORT_A"
await_healthy a "$PORT_A" || exit 1
mkdir -p "$WORK/b" && cp -a "$WORK/a/keys" "$WORK/b/keys"
start_node b "$PORT_B"
await_healthy b "$PORT_B" || exit 1
log "nodes up: A on $PORT_A (pid $(cat "$WORK/a/pid")), B on $PORT_B (pid $(cat "$WORK/b/pid"))"

# one replay of the trace through a small proxy that spreads its connections over both nodes and,
# while a node is down, sends them to the other one, as a load balancer would; every submission
# carries an Idempotency-Key, so a retry through the other node cannot duplicate it
head -1 "$TRACE" >"$WORK/trace.csv"; sed -n "2,$((ROWS + 1))p" "$TRACE" >>"$WORK/trace.csv"
cat >"$WORK/proxy.py" <<'PY'
import asyncio, itertools, sys
listen, backends = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]
turns = itertools.count()
async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()
async def handle(client_reader, client_writer):
    first = next(turns) % len(backends)
    for port in backends[first:] + backends[:first]:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            break
        except OSError:
            continue
    else:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer))
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
python3 "$WORK/proxy.py" "$PORT_PROXY" "$PORT_A" "$PORT_B" >"$WORK/proxy.log" 2>&1 &
PIDS+=($!)
sleep 1

java -jar "$JAR" replay --url "http://127.0.0.1:$PORT_PROXY" --api-key "$ADMIN_KEY" --trace "$WORK/trace.csv" \
    --speed 0 --miners 16 >"$WORK/replay.out" 2>"$WORK/replay.err" &
REPLAY=$!

# kill mid-run: once a quarter of the jobs are in, the node that holds the receipts processor's claim
for _ in $(seq 1 600); do
    [ "$(psql_db 'SELECT count(*) FROM job_view')" -ge "$KILL_AT" ] && break
    sleep 1
done
HOLDER=$(psql_db "SELECT owner FROM token_entry WHERE processor_name = 'receipts'")
VICTIM=b
[ "${HOLDER%%@*}" = "$(cat "$WORK/a/pid")" ] && VICTIM=a
VICTIM_PORT=$PORT_B; [ "$VICTIM" = a ] && VICTIM_PORT=$PORT_A
log "receipts claim held by [$HOLDER]; jobs so far: $(psql_db 'SELECT count(*) FROM job_view'),"\
    "receipts $(psql_db 'SELECT count(*) FROM receipt')"
log "SIGKILL node $VICTIM (pid $(cat "$WORK/$VICTIM/pid"))"
kill -9 "$(cat "$WORK/$VICTIM/pid")"
sleep 3
start_node "$VICTIM" "$VICTIM_PORT"
await_healthy "$VICTIM" "$VICTIM_PORT" || exit 1
log "node $VICTIM restarted (pid $(cat "$WORK/$VICTIM/pid")); receipts claim now held by"\
    "[$(psql_db "SELECT owner FROM token_entry WHERE processor_name = 'receipts'")]"

wait $REPLAY; EXIT=$?
log "replay exited $EXIT"
grep -E "^(Final status|Checks|Receipts)" "$WORK/replay.out" >&2
tail -1 "$WORK/replay.out"

FAILED=0
[ "$EXIT" = 0 ] || FAILED=1

COMPLETIONS=$(psql_db "SELECT count(*) FROM domain_event_entry WHERE payload_type LIKE '%.JobCompletedEvent'")
COMPLETED_JOBS=$(psql_db "SELECT count(DISTINCT aggregate_identifier) FROM domain_event_entry
                          WHERE payload_type LIKE '%.JobCompletedEvent'")
RECEIPTS=$(psql_db "SELECT count(*) FROM receipt")
SUBMISSIONS=$(psql_db "SELECT count(*) FROM domain_event_entry WHERE payload_type LIKE '%.JobSubmittedEvent'")
log "submitted $SUBMISSIONS, completion events $COMPLETIONS for $COMPLETED_JOBS jobs, receipts $RECEIPTS"
[ "$COMPLETIONS" = "$COMPLETED_JOBS" ] && [ "$RECEIPTS" = "$COMPLETED_JOBS" ] || FAILED=1
[ "$SUBMISSIONS" -ge "$ROWS" ] || FAILED=1

# every rebuildable projection must equal a fresh rebuild from the events; a time limit that fires
# meanwhile appends an event and changes the projection, so a comparison counts only when the event
# store's head did not move during it
api() { curl -sf -H "X-API-Key: $ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }
head_position() { psql_db "SELECT coalesce(max(global_index), 0) FROM domain_event_entry"; }
content_hash() { # node-port name
    api "http://127.0.0.1:$1/v1/admin/projections/$2?hash=true" | sed -n 's/.*"content_sha256":"\([0-9a-f]*\)".*/\1/p'
}
declare -A TABLES=([job-views]="job_view" [job-dispatch]="job_queue job_deadline" [miner-views]="miner_view"
                   [market-offers]="offer_view market_deadline" [market-stats]="market_job miner_stats")
for name in job-views job-dispatch miner-views market-offers market-stats; do
    for attempt in 1 2 3 4 5; do
        position=$(head_position)
        for table in ${TABLES[$name]}; do
            psql_db "DROP TABLE IF EXISTS ${table}_before; CREATE TABLE ${table}_before AS TABLE $table" >/dev/null
        done
        before=$(content_hash "$PORT_A" "$name")
        api -X POST "http://127.0.0.1:$PORT_A/v1/admin/projections/$name/replay" >/dev/null \
            || { log "no rebuild of $name"; phase=none; break; }
        for _ in $(seq 1 300); do
            phase=$(api "http://127.0.0.1:$PORT_A/v1/admin/projections/$name" | sed -n 's/.*"phase":"\([a-z]*\)".*/\1/p')
            [ "$phase" = done ] || [ "$phase" = failed ] && break
            sleep 1
        done
        after=$(content_hash "$PORT_A" "$name")
        [ "$(head_position)" = "$position" ] && break
        log "projection $name: events were appended during the comparison; again ($attempt)"
    done
    log "projection $name: rebuild $phase at position $position, before ${before:-?}, after ${after:-?}"
    if [ "$phase" != done ] || [ -z "$before" ] || [ "$before" != "$after" ]; then
        FAILED=1
        for table in ${TABLES[$name]}; do # the rows that differ, live (before) and rebuilt
            psql_db "(SELECT 'live', * FROM ${table}_before EXCEPT SELECT 'live', * FROM $table)
                     UNION ALL (SELECT 'rebuilt', * FROM $table EXCEPT SELECT 'rebuilt', * FROM ${table}_before)
                     ORDER BY 2, 1 LIMIT 20" >&2
        done
    fi
done

if [ "$FAILED" = 0 ]; then log "PASS"; else log "FAIL"; fi
exit $FAILED
