#!/usr/bin/env bash
# Issue 14 as people meet it, with toot (0.52.1) and the hallway command line: three divisions (sales, eng, ops)
# on 127.0.0.1, joined with `peers invite`/`peers join`; a group on sales that people of eng and ops join and
# post to; a colleague on another division found by company-wide search and by the directory; a division-only
# post that stays home.
#
#   bash tests/clients/divisions_trial.sh target/debug/hallway
#
# It starts and stops its own instances in a temporary directory (KEEP=1 keeps it).
set -euo pipefail
HALLWAY="$(realpath "${1:?the hallway binary}")"
WORK="$(mktemp -d)"
export XDG_CONFIG_HOME="$WORK/toot-config" XDG_CACHE_HOME="$WORK/toot-cache"
unset TOOT_POST_VISIBILITY
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ -n "${KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step() { echo; echo "== $*"; }
fail() { echo "FAILED: $*"; exit 1; }

# An instance named $1 on port $2: its environment for the command line.
division() {
    local name=$1 port=$2
    mkdir -p "$WORK/$name"
    cat > "$WORK/$name/env" <<EOF
export HALLWAY_DOMAIN=127.0.0.1:$port HALLWAY_LISTEN=127.0.0.1:$port HALLWAY_SCHEME=http
export HALLWAY_DATABASE_URL=sqlite://$WORK/$name/hallway.db HALLWAY_DATA_DIR=$WORK/$name/data
export HALLWAY_FEDERATION_ALLOW_HTTP=true HALLWAY_TITLE=$name RUST_LOG=warn
EOF
}
on() { local name=$1; shift; (source "$WORK/$name/env" && cd "$WORK/$name" && "$HALLWAY" "$@"); }
serve() {
    local name=$1 port=$2
    (source "$WORK/$name/env" && cd "$WORK/$name" && exec "$HALLWAY" serve > "$WORK/$name/server.log" 2>&1) &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/api/v1/instance" > /dev/null 2>&1 && return; sleep 0.2; done
    fail "$name did not start"
}
login() { toot --no-color login_cli --instance "http://127.0.0.1:$1" --email "$2@corp.example" --password "a long password $2" > /dev/null; }
as() { local who=$1; shift; toot --no-color --as "$who" "$@"; }

division sales 18601; division eng 18602; division ops 18603
for pair in "sales ann" "sales cy" "eng bob" "eng eve" "ops dan"; do
    set -- $pair
    on "$1" user create "$2" --password "a long password $2" --email "$2@corp.example" > /dev/null
done
serve sales 18601; serve eng 18602; serve ops 18603

step "division IT joins the divisions: peers invite on sales, peers join on eng and ops"
on sales peers invite > "$WORK/token1" 2> /dev/null
on eng peers join http://127.0.0.1:18601 "$(cat "$WORK/token1")"
on sales peers invite > "$WORK/token2" 2> /dev/null
on ops peers join http://127.0.0.1:18601 "$(cat "$WORK/token2")"
on eng peers invite > "$WORK/token3" 2> /dev/null
on ops peers join http://127.0.0.1:18602 "$(cat "$WORK/token3")"
on sales peers list

step "ann makes a group on sales (hallway group create)"
on sales group create lrnchat --admin ann --display-name "#lrnchat" --note "What are you learning?"

login 18601 ann; login 18601 cy; login 18602 bob; login 18602 eve; login 18603 dan
ANN=ann@127.0.0.1:18601; CY=cy@127.0.0.1:18601; BOB=bob@127.0.0.1:18602; EVE=eve@127.0.0.1:18602; DAN=dan@127.0.0.1:18603

step "bob (eng) and dan (ops) join the group with toot follow"
as "$BOB" follow lrnchat@127.0.0.1:18601
as "$DAN" follow lrnchat@127.0.0.1:18601
sleep 2
as "$DAN" whois lrnchat@127.0.0.1:18601 | head -8

step "bob posts to the group by mentioning it"
as "$BOB" post "@lrnchat@127.0.0.1:18601 What are you learning this week? I am on Kubernetes operators." > /dev/null
sleep 3
step "dan's home timeline on ops"
as "$DAN" timeline -c 3 | tee "$WORK/dan-home" | head -30
grep -q "Kubernetes operators" "$WORK/dan-home" || fail "dan does not see bob's post"

step "dan answers in the thread (toot reply to the group's boost)"
BOOSTED=$(python3 - "$XDG_CONFIG_HOME/toot/config.json" "$DAN" <<'EOF'
import json, sys, urllib.request
config = json.load(open(sys.argv[1]))
user = config["users"][sys.argv[2]]
request = urllib.request.Request("http://127.0.0.1:18603/api/v1/timelines/home", headers={"Authorization": "Bearer " + user["access_token"]})
home = json.load(urllib.request.urlopen(request))
print(next(s["reblog"]["id"] for s in home if s["reblog"] and "operators" in s["reblog"]["content"]))
EOF
)
as "$DAN" post --reply-to "$BOOSTED" "@bob@127.0.0.1:18602 Rust async, again." > /dev/null
sleep 3
step "bob's home timeline on eng: dan's answer, boosted by the group"
as "$BOB" timeline -c 3 | tee "$WORK/bob-home" | head -30
grep -q "Rust async" "$WORK/bob-home" || fail "bob does not see dan's answer"

step "cy (sales) finds bob on eng by what his profile says: company directory and account search"
curl -fsS -X PATCH -H "Authorization: Bearer $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"][sys.argv[2]]["access_token"])' "$XDG_CONFIG_HOME/toot/config.json" "$BOB")" \
    -F "note=I run our Kubernetes clusters" http://127.0.0.1:18602/api/v1/accounts/update_credentials > /dev/null
on sales peers refresh-directory
as "$CY" search --type accounts kubernetes | tee "$WORK/cy-search" | head -12
grep -q "bob@127.0.0.1:18602" "$WORK/cy-search" || fail "cy does not find bob"

step "cy searches the company's posts for 'operators' (toot search, statuses)"
as "$CY" search --type statuses operators | tee "$WORK/cy-posts" | head -16
grep -q "127.0.0.1:18602/@bob/" "$WORK/cy-posts" || fail "cy does not find bob's post"

step "eve posts inside her division only (local_only, from the API: toot has no option for it)"
EVE_TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"][sys.argv[2]]["access_token"])' "$XDG_CONFIG_HOME/toot/config.json" "$EVE")
curl -fsS -H "Authorization: Bearer $EVE_TOKEN" -d "status=Eng offsite is in Lyon operators" -d "local_only=true" http://127.0.0.1:18602/api/v1/statuses | python3 -c 'import json,sys; s=json.load(sys.stdin); print("local_only:", s["local_only"])'
sleep 1
as "$CY" search --type statuses Lyon | tee "$WORK/cy-lyon"
grep -q "@eve/" "$WORK/cy-lyon" && fail "a division-only post reached sales"
as "$BOB" search --type statuses Lyon | grep -q "@eve/" || fail "bob does not find eve's post in eng"

echo
echo "ALL OK"
