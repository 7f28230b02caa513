#!/usr/bin/env bash
# Start Azurite's Blob service (Microsoft's Azure Storage emulator) in the background on 127.0.0.1,
# in memory, telemetry off, on a free port chosen by the OS.
# Usage: scripts/azurite/start.sh
#   The last line on stdout is `AZURE_BLOB_ENDPOINT=http://127.0.0.1:<port>/devstoreaccount1`, so
#   `eval "$(scripts/azurite/start.sh | tail -n 1)"` or `export "$(scripts/azurite/start.sh | tail -n 1)"`
#   sets it. The account is the emulator's public development account `devstoreaccount1`.
# Env: AZURITE_RUN_DIR (default /tmp/accsr-azurite): holds azurite.pid, azurite.log, endpoint.
#      AZURITE_BIN: the azurite-blob executable (default: tools/node_modules/.bin/azurite-blob of this
#      repository, installed with `npm ci --prefix tools`, else `azurite-blob` on PATH).
#      AZURITE_START_TIMEOUT: seconds to wait for it to answer (default 20).
# Stop it with scripts/azurite/stop.sh (same AZURITE_RUN_DIR). If an instance started from the same
# AZURITE_RUN_DIR still runs, its endpoint is printed again and nothing new is started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${AZURITE_RUN_DIR:-/tmp/accsr-azurite}
TIMEOUT=${AZURITE_START_TIMEOUT:-20}
PID_FILE=$RUN/azurite.pid
LOG=$RUN/azurite.log
ACCOUNT=devstoreaccount1

if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && [ -s "$RUN/endpoint" ]; then
  echo "azurite already running from $RUN (pid $(cat "$PID_FILE"))" >&2
  echo "AZURE_BLOB_ENDPOINT=$(cat "$RUN/endpoint")"
  exit 0
fi

BIN=${AZURITE_BIN:-}
if [ -z "$BIN" ]; then
  if [ -x "$ROOT/tools/node_modules/.bin/azurite-blob" ]; then
    BIN=$ROOT/tools/node_modules/.bin/azurite-blob
  elif command -v azurite-blob >/dev/null 2>&1; then
    BIN=$(command -v azurite-blob)
  else
    echo "azurite-blob not found: run \`npm ci --prefix tools\` in $ROOT (or put azurite-blob on PATH)" >&2
    exit 1
  fi
fi

mkdir -p "$RUN"
rm -f "$PID_FILE" "$RUN/endpoint"
# --blobPort 0: the OS picks a free port, read back from the log below.
# --skipApiVersionCheck: newer @azure/storage-blob versions send API versions Azurite does not know yet.
# stdin/stdout/stderr detached so `$(start.sh)` in a caller does not wait for the emulator to exit.
# Started from $RUN so that nothing it may write lands in the caller's working directory.
(cd "$RUN" && exec nohup "$BIN" --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence \
  --disableTelemetry --skipApiVersionCheck >"$LOG" 2>&1 </dev/null) &
PID=$!
echo "$PID" >"$PID_FILE"

PORT=""
deadline=$(( $(date +%s) + TIMEOUT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "azurite-blob exited during start-up; log $LOG:" >&2
    tail -n 20 "$LOG" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  if [ -z "$PORT" ]; then
    PORT=$(sed -n 's#.*successfully listens on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$LOG" | head -n 1)
  fi
  if [ -n "$PORT" ]; then
    # any HTTP status means it answers (the unauthenticated request gets 4xx)
    if command -v curl >/dev/null 2>&1; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/$ACCOUNT?comp=list" || true)
    else
      code=listening   # no curl: the "successfully listens" line is the readiness signal
    fi
    if [ -n "$code" ] && [ "$code" != "000" ]; then
      ENDPOINT=http://127.0.0.1:$PORT/$ACCOUNT
      echo "$ENDPOINT" >"$RUN/endpoint"
      echo "azurite-blob ready (pid $PID, log $LOG)"
      echo "AZURE_BLOB_ENDPOINT=$ENDPOINT"
      exit 0
    fi
  fi
  sleep 0.1
done
echo "azurite-blob did not answer within ${TIMEOUT} s; log $LOG:" >&2
tail -n 20 "$LOG" >&2
kill "$PID" 2>/dev/null || true
rm -f "$PID_FILE"
exit 1
