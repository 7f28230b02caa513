#!/usr/bin/env bash
# Stop the Azurite Blob service started by start.sh, by the PID in its pid file
# (SIGTERM, then SIGKILL after 5 s). In-memory data is gone with it; the log stays.
# Env: AZURITE_RUN_DIR (must match the one given to start.sh; default /tmp/accsr-azurite).
set -uo pipefail
RUN=${AZURITE_RUN_DIR:-/tmp/accsr-azurite}
PID_FILE=$RUN/azurite.pid
if [ ! -f "$PID_FILE" ]; then
  echo "azurite not running from $RUN (no pid file)"
  exit 0
fi
pid=$(cat "$PID_FILE")
# a stale pid file must not make us kill whatever process reuses that PID now
if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q azurite; then
  echo "pid $pid from $PID_FILE is not azurite any more; removing the stale pid file"
  rm -f "$PID_FILE" "$RUN/endpoint"
  exit 0
fi
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
fi
rm -f "$PID_FILE" "$RUN/endpoint"
echo "azurite stopped (pid $pid)"
