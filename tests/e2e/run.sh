#!/usr/bin/env bash
# Browser end-to-end test: a new user signs in to Hallway from a masto-based page in headless Chromium over https,
# sees the home timeline, posts with an image and receives a live update over the WebSocket. See README.md.
#
#   bash tests/e2e/run.sh                               # builds target/debug/hallway with cargo first
#   HALLWAY_BIN=/path/to/hallway bash tests/e2e/run.sh  # uses that binary, no cargo
#
# Screenshots go to tests/e2e/screenshots/. KEEP_TMP=1 keeps the server's temporary directory and log.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

fail() { echo "FAIL: $*" >&2; exit 1; }

# --- tools: Chromium (Debian's), node and npm -------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "== installing node and npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || fail "node >= 20 is needed (playwright-core), found $(node --version)"
command -v curl >/dev/null 2>&1 || fail "curl is needed"

# --- npm dependencies and the page bundle ------------------------------------------------------------------------
echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== bundling page/app.js with esbuild"
npm run --silent build

# --- the server binary -------------------------------------------------------------------------------------------
if [ -n "${HALLWAY_BIN:-}" ]; then
  bin="$HALLWAY_BIN"
else
  echo "== cargo build --bin hallway"
  (cd "$repo" && cargo build --bin hallway)
  bin="$repo/target/debug/hallway"
fi
[ -x "$bin" ] || fail "no hallway binary at $bin"

# --- start the server over https in a fresh directory ------------------------------------------------------------
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
port="$(free_port)"
page_port="$(free_port)"
while [ "$page_port" = "$port" ]; do page_port="$(free_port)"; done
oidc_port="$(free_port)"
while [ "$oidc_port" = "$port" ] || [ "$oidc_port" = "$page_port" ]; do oidc_port="$(free_port)"; done

tmp="$(mktemp -d -t hallway-e2e.XXXXXX)"
server_pid=""
oidc_pid=""
cleanup() {
  status=$?
  if [ -n "$oidc_pid" ]; then kill "$oidc_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$tmp/server.log" ]; then
    echo "---- last lines of the server log ($tmp/server.log) ----"
    tail -n 40 "$tmp/server.log"
  fi
  if [ "$status" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
  exit "$status"
}
trap cleanup EXIT

export HALLWAY_DOMAIN="127.0.0.1:$port"
export HALLWAY_LISTEN="127.0.0.1:$port"
export HALLWAY_SCHEME=https
export HALLWAY_TLS_CERT="$repo/tests/api/data/tls-cert.pem"
export HALLWAY_TLS_KEY="$repo/tests/api/data/tls-key.pem"
export HALLWAY_DATABASE_URL="sqlite://$tmp/hallway.db"
export HALLWAY_DATA_DIR="$tmp/data"
url="https://127.0.0.1:$port"

# The company's OpenID provider (tests/oidc), for the single sign-on step.
echo "== starting the OpenID provider on http://127.0.0.1:$oidc_port"
(cd "$repo/tests/oidc" && { [ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund --loglevel=error; })
node "$repo/tests/oidc/provider.mjs" "$oidc_port" "$url/auth/oidc/callback" >"$tmp/oidc.log" 2>&1 &
oidc_pid=$!
for _ in $(seq 1 100); do
  grep -q listening "$tmp/oidc.log" 2>/dev/null && break
  kill -0 "$oidc_pid" 2>/dev/null || fail "the OpenID provider exited at start: $(cat "$tmp/oidc.log")"
  sleep 0.1
done
export HALLWAY_AUTH_OIDC_ISSUER="http://127.0.0.1:$oidc_port"
export HALLWAY_AUTH_OIDC_CLIENT_ID=hallway
export HALLWAY_AUTH_OIDC_CLIENT_SECRET=hallway-secret
export HALLWAY_AUTH_OIDC_SCOPES="openid,profile,email,groups"
export HALLWAY_AUTH_OIDC_ALLOWED_GROUP=hallway-users
export HALLWAY_AUTH_OIDC_DISPLAY_NAME="Sign in with Corp"

echo "== starting $bin serve on $url"
"$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
  if curl -sf --cacert "$HALLWAY_TLS_CERT" "$url/api/v1/instance" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -sf --cacert "$HALLWAY_TLS_CERT" "$url/api/v1/instance" >/dev/null || fail "the server did not answer GET /api/v1/instance in 10 s"

echo "== creating users ann and bob"
"$bin" user create ann --password 'a long password 1' --email ann@corp.example
"$bin" user create bob --password 'a long password 2' --email bob@corp.example
"$bin" user create root --password 'a long password 0' --email root@corp.example --role admin
"$bin" user create mod --password 'a long password 9' --email mod@corp.example --role moderator

# --- the browser run ---------------------------------------------------------------------------------------------
rm -rf "$here/screenshots"
echo "== driving Chromium ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
HALLWAY_URL="$url" PAGE_PORT="$page_port" \
  TLS_CERT="$HALLWAY_TLS_CERT" TLS_KEY="$HALLWAY_TLS_KEY" NODE_EXTRA_CA_CERTS="$HALLWAY_TLS_CERT" \
  SCREENSHOT_DIR="$here/screenshots" \
  ANN_LOGIN=ann@corp.example ANN_PASSWORD='a long password 1' \
  BOB_LOGIN=bob@corp.example BOB_PASSWORD='a long password 2' \
  SSO_LOGIN=cat \
  timeout 120 node driver.mjs

# --- the admin page ----------------------------------------------------------------------------------------------
echo "== the admin page in Chromium"
HALLWAY_URL="$url" NODE_EXTRA_CA_CERTS="$HALLWAY_TLS_CERT" SCREENSHOT_DIR="$here/screenshots" \
  ADMIN_LOGIN=root@corp.example ADMIN_PASSWORD='a long password 0' \
  MOD_LOGIN=mod@corp.example MOD_PASSWORD='a long password 9' \
  ANN_LOGIN=ann@corp.example ANN_PASSWORD='a long password 1' \
  BOB_LOGIN=bob@corp.example BOB_PASSWORD='a long password 2' \
  timeout 120 node admin.mjs
