#!/usr/bin/env bash
# Run the official MCP conformance suite against the built server on loopback:
#   1. @modelcontextprotocol/conformance 0.1.x, active suite (2025-11-25 era scenarios)
#   2. @modelcontextprotocol/conformance 0.2.x preview, --requirements 2026-07-28,
#      with conformance/expected-failures.2026-07-28.yml (see the reasons there).
# The suite needs Node >= 22, so it runs through `npx -p node@22`; the server runs on this Node.
# Results (checks.json per scenario) go to .conformance-results/.
set -euo pipefail
cd "$(dirname "$0")/.."

CONF_V1="${CONFORMANCE_V1:-0.1.16}"
CONF_V2="${CONFORMANCE_V2:-0.2.0-alpha.12}"
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
URL="http://localhost:${PORT}/mcp"
WORK="$(mktemp -d)"
OUT=".conformance-results"
mkdir -p "$OUT"

[ -f dist/cli/main.js ] || npm run build

node dist/cli/main.js serve --port "$PORT" --toolsets tasks,conformance --db "$WORK/conformance.db" --log-level warn \
  2> "$OUT/server.log" &
SERVER_PID=$!
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for _ in $(seq 1 50); do
  node -e "fetch('http://localhost:${PORT}/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited early:"; cat "$OUT/server.log"; exit 1; }
  sleep 0.2
done

# The suite's own "Total: N passed, N failed" line is reworded so CI logs read the test runner's total, not this one.
summary() { sed -n '/=== SUMMARY ===/,$p' "$1" | sed -e 's/^Total: /conformance checks: /' -e 's/\x1b\[[0-9;]*m//g'; }

status=0
echo "== conformance ${CONF_V1}: active suite (2025-11-25 era) against ${URL}"
npx -y -p node@22 -p "@modelcontextprotocol/conformance@${CONF_V1}" -c \
  "conformance server --url ${URL} -o ${OUT}/v1" 2>&1 > "$OUT/v1.txt" || true
summary "$OUT/v1.txt"
grep -qE "^Total: [0-9]+ passed, 0 failed" "$OUT/v1.txt" || { echo "conformance ${CONF_V1}: FAILED"; status=1; }

echo "== conformance ${CONF_V2}: --requirements 2026-07-28 against ${URL}"
if npx -y -p node@22 -p "@modelcontextprotocol/conformance@${CONF_V2}" -c \
  "conformance server --url ${URL} --requirements 2026-07-28 --expected-failures conformance/expected-failures.2026-07-28.yml -o ${OUT}/v2" \
  > "$OUT/v2.txt" 2>&1; then
  summary "$OUT/v2.txt"
else
  summary "$OUT/v2.txt"; echo "conformance ${CONF_V2}: FAILED"; status=1
fi
exit $status
