#!/usr/bin/env bash
# Real-client trial: drive a running Hallway instance with the `toot` CLI.
#
# Usage:
#   bash tests/clients/toot_trial.sh [URL USER PASSWORD [USER2 PASSWORD2]]
# or set HALLWAY_URL, HALLWAY_USER, HALLWAY_PASSWORD (and optionally
# HALLWAY_USER2, HALLWAY_PASSWORD2). USER is the e-mail address used for the
# password grant. Without a second user, user 1 favourites and replies to its
# own post and the notification / follow steps are skipped.
#
# Each step prints "ok: <step>"; the first failure prints the command output
# and exits 1. Written against toot 0.52.1. toot's config and cache go to a
# temporary XDG_CONFIG_HOME / XDG_CACHE_HOME that is removed at exit
# (set KEEP_TOOT_HOME=1 to keep it for debugging).
set -uo pipefail

URL="${1:-${HALLWAY_URL:-http://127.0.0.1:8080}}"
USER1="${2:-${HALLWAY_USER:-}}"
PASS1="${3:-${HALLWAY_PASSWORD:-}}"
USER2="${4:-${HALLWAY_USER2:-}}"
PASS2="${5:-${HALLWAY_PASSWORD2:-}}"
URL="${URL%/}"

if [[ -z "$USER1" || -z "$PASS1" ]]; then
    echo "FAIL: need URL USER PASSWORD (args or HALLWAY_URL/HALLWAY_USER/HALLWAY_PASSWORD)"
    exit 1
fi
if ! command -v toot >/dev/null 2>&1; then
    echo "FAIL: toot is not installed (pip install toot)"
    exit 1
fi

TOOT_HOME="$(mktemp -d)"
export XDG_CONFIG_HOME="$TOOT_HOME/config"
export XDG_CACHE_HOME="$TOOT_HOME/cache"
# Make output deterministic and non-interactive.
export COLUMNS=200
unset TOOT_POST_VISIBILITY
cleanup() {
    if [[ -n "${KEEP_TOOT_HOME:-}" ]]; then
        echo "toot home kept at $TOOT_HOME"
    else
        rm -rf "$TOOT_HOME"
    fi
}
trap cleanup EXIT

RUN="$(python3 -c 'import uuid; print(uuid.uuid4().hex[:8])')"
OUT=""

fail() {
    echo "FAIL: $1"
    if [[ -n "$OUT" ]]; then
        echo "---- output ----"
        printf '%s\n' "$OUT"
        echo "----------------"
    fi
    exit 1
}

# run STEP CMD...: run a toot command, fail the step on non-zero exit; output in $OUT
run() {
    local step="$1"; shift
    OUT="$("$@" </dev/null 2>&1)"
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        fail "$step: exit $rc: $*"
    fi
}

# expect STEP PATTERN: grep -F the last output
expect() {
    grep -qF -- "$2" <<<"$OUT" || fail "$1: output lacks '$2'"
}

# json FIELD-EXPR: evaluate a python expression on the JSON in $OUT (bound to `d`)
json() {
    python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval(sys.argv[1]); print("" if v is None else v)' "$1" <<<"$OUT"
}

ok() { echo "ok: $*"; }

active_user() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["active_user"])' "$XDG_CONFIG_HOME/toot/config.json"
}

# ------------------------------------------------------------------ instance
run "instance (anonymous)" toot --no-color instance "$URL"
expect "instance" "running Mastodon"
ok "instance: $(sed -n 3p <<<"$OUT")"

# ------------------------------------------------------------------ login
# toot's --instance callback (cli/validators.py validate_instance) keeps any
# value starting with "http", so an http:// base URL works as is.
run "login_cli user 1" toot --no-color login_cli --instance "$URL" --email "$USER1" --password "$PASS1"
expect "login_cli user 1" "Successfully logged in"
U1="$(active_user)"
ok "login_cli user 1 ($U1)"

run "whoami user 1" toot --no-color --as "$U1" whoami --json
NAME1="$(json 'd["username"]')"
ACCT1="$(json 'd["acct"]')"
[[ -n "$NAME1" ]] || fail "whoami: no username"
run "whoami user 1 (text)" toot --no-color --as "$U1" whoami
expect "whoami" "@$ACCT1"
ok "whoami user 1 (@$ACCT1)"

if [[ -n "$USER2" && -n "$PASS2" ]]; then
    run "login_cli user 2" toot --no-color login_cli --instance "$URL" --email "$USER2" --password "$PASS2"
    expect "login_cli user 2" "Successfully logged in"
    U2="$(active_user)"
    [[ "$U2" != "$U1" ]] || fail "login_cli user 2: same account as user 1 ($U2)"
    run "auth" toot --no-color auth
    expect "auth" "$U1"
    expect "auth" "$U2"
    ok "login_cli user 2 ($U2)"
else
    U2="$U1"
    echo "note: no second user; user 1 will favourite and reply to its own post"
fi

# ------------------------------------------------------------------ post
run "post" toot --no-color --as "$U1" post --json "hallway toot trial $RUN first post"
POST1="$(json 'd["id"]')"
[[ -n "$POST1" ]] || fail "post: no id in response"
[[ "$(json 'd["visibility"]')" == "public" ]] || fail "post: visibility is not public"
ok "post (id $POST1)"

run "post (text output)" toot --no-color --as "$U1" post "hallway toot trial $RUN second post"
expect "post text output" "Toot posted: "
POST2_URL="${OUT#*Toot posted: }"
ok "post text output ($POST2_URL)"

run "status" toot --no-color --as "$U1" status "$POST1"
expect "status" "$RUN first post"
expect "status" "ID $POST1"
ok "status"

# ------------------------------------------------------------------ timeline
run "timelines home" toot --no-color --as "$U1" timelines home --no-pager --no-clear --limit 20
expect "timelines home" "$RUN first post"
expect "timelines home" "$RUN second post"
ok "timelines home"

run "timeline (deprecated command)" toot --no-color --as "$U1" timeline --once --count 5
expect "timeline" "$RUN second post"
ok "timeline --once"

run "timelines public" toot --no-color --as "$U1" timelines public --local --no-pager --no-clear --limit 20
expect "timelines public" "$RUN first post"
ok "timelines public --local"

run "timelines account" toot --no-color --as "$U1" timelines account "$ACCT1" --no-pager --no-clear --limit 20
expect "timelines account" "$RUN first post"
ok "timelines account"

# ------------------------------------------------------------------ favourite
run "favourite" toot --no-color --as "$U2" favourite "$POST1"
expect "favourite" "Status favourited"
run "favourite check" toot --no-color --as "$U2" status "$POST1" --json
[[ "$(json 'd["favourited"]')" == "True" ]] || fail "favourite: status.favourited is not true"
[[ "$(json 'd["favourites_count"]')" -ge 1 ]] || fail "favourite: favourites_count < 1"
ok "favourite"

# ------------------------------------------------------------------ reply
run "reply" toot --no-color --as "$U2" post --json --reply-to "$POST1" "@$ACCT1 hallway toot trial $RUN reply"
REPLY="$(json 'd["id"]')"
[[ "$(json 'd["in_reply_to_id"]')" == "$POST1" ]] || fail "reply: in_reply_to_id is not $POST1"
ok "reply (id $REPLY)"

run "thread" toot --no-color --as "$U1" thread "$POST1"
expect "thread" "$RUN first post"
expect "thread" "$RUN reply"
expect "thread" "In reply to $POST1"
ok "thread"

# ------------------------------------------------------------------ notifications
if [[ "$U2" != "$U1" ]]; then
    run "notifications" toot --no-color --as "$U1" notifications
    expect "notifications" "favourited your status"
    expect "notifications" "mentioned you"
    expect "notifications" "$RUN reply"
    ok "notifications (favourite + mention)"

    run "notifications --type mention" toot --no-color --as "$U1" notifications --type mention --json
    [[ "$(json 'all(n["type"] == "mention" for n in d)')" == "True" ]] || fail "notifications --type: other types returned"
    [[ "$(json 'any(n["status"] and n["status"]["id"] == "'"$REPLY"'" for n in d)')" == "True" ]] || fail "notifications --type mention: reply missing"
    ok "notifications --type mention"

    # follow resolves the account through /api/v2/search (api.find_account)
    run "follow" toot --no-color --as "$U2" follow "$ACCT1"
    expect "follow" "You are now following"
    run "timelines home (follower)" toot --no-color --as "$U2" timelines home --no-pager --no-clear --limit 40
    ok "follow"
    run "following" toot --no-color --as "$U2" following
    expect "following" "@$ACCT1"
    ok "following"
    run "unfollow" toot --no-color --as "$U2" unfollow "$ACCT1"
    expect "unfollow" "no longer following"
    ok "unfollow"
fi

# ------------------------------------------------------------------ delete
run "delete reply" toot --no-color --as "$U2" delete "$REPLY"
expect "delete reply" "Status deleted"
run "delete post" toot --no-color --as "$U1" delete "$POST1"
expect "delete post" "Status deleted"
POST2="$(toot --as "$U1" timelines account "$ACCT1" --json --limit 20 </dev/null | python3 -c 'import json,sys; print(next((s["id"] for s in json.load(sys.stdin) if sys.argv[1] in s["content"]), ""))' "$RUN second post")"
[[ -n "$POST2" ]] && run "delete post 2" toot --no-color --as "$U1" delete "$POST2"
if toot --as "$U1" status "$POST1" </dev/null >/dev/null 2>&1; then
    fail "delete: status $POST1 still fetchable"
fi
ok "delete"

echo "ALL OK"
