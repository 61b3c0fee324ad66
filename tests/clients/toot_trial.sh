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
# and exits 1. Written against toot 0.52.1. HALLWAY_SKIP=tags_prefix,timelines_link
# skips the last steps (known gaps, see README.md). The script makes its PNGs with
# python3 and cancels scheduled statuses / resets the avatar with curl. toot's config and cache go to a
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

# token USER-KEY: the access token toot stored for that user (for the few calls toot has no command for)
token() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"][sys.argv[2]]["access_token"])' "$XDG_CONFIG_HOME/toot/config.json" "$1"
}

# api USER-KEY METHOD PATH: a raw API call with that user's token (cleanup of things toot cannot undo)
api() {
    curl -sS -o /dev/null -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(token "$1")" "$URL$3"
}

# png FILE W H [noise]: a hand-made truecolour PNG (gradient, or random pixels when "noise")
png() {
    python3 - "$@" <<'PYEOF'
import os, struct, sys, zlib
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
noise = len(sys.argv) > 4 and sys.argv[4] == "noise"
rows = []
for y in range(h):
    if noise:
        rows.append(b"\x00" + os.urandom(w * 3))
    else:
        rows.append(b"\x00" + bytes(c for x in range(w) for c in ((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), 128)))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows), 1)) + chunk(b"IEND", b""))
PYEOF
}

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
    run "whoami user 2" toot --no-color --as "$U2" whoami --json
    ACCT2="$(json 'd["acct"]')"
    run "auth" toot --no-color auth
    expect "auth" "$U1"
    expect "auth" "$U2"
    ok "login_cli user 2 ($U2)"
else
    U2="$U1"
    ACCT2="$ACCT1"
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

# ------------------------------------------------------------------ media
png "$TOOT_HOME/small.png" 40 30
png "$TOOT_HOME/big.png" 800 600 noise   # > 1 MiB: /api/v2/media answers 202, toot waits
run "post --media --description" toot --no-color --as "$U1" post --json --media "$TOOT_HOME/small.png" --description "toot trial $RUN picture" "hallway toot trial $RUN with media"
MEDIA_POST="$(json 'd["id"]')"
[[ "$(json 'len(d["media_attachments"])')" == "1" ]] || fail "post --media: no media_attachments"
[[ "$(json 'd["media_attachments"][0]["description"]')" == "toot trial $RUN picture" ]] || fail "post --media: description lost"
[[ "$(json 'd["media_attachments"][0]["type"]')" == "image" ]] || fail "post --media: type is not image"
MEDIA_URL="$(json 'd["media_attachments"][0]["url"]')"
[[ "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$MEDIA_URL")" == "200 image/"* ]] || fail "post --media: $MEDIA_URL is not served as an image"
ok "post --media --description (id $MEDIA_POST)"

run "post --media (large, waits for processing)" toot --no-color --as "$U1" post --media "$TOOT_HOME/big.png" -d "noise" "hallway toot trial $RUN with a large picture"
expect "post --media large" "Toot posted: "
BIG_POST="${OUT##*/}"
ok "post --media large ($(grep -c 'Waiting for media' <<<"$OUT") wait message)"

run "post media only" toot --no-color --as "$U1" post --json --media "$TOOT_HOME/small.png" --media "$TOOT_HOME/small.png" -d one -d two ""
MEDIA_ONLY="$(json 'd["id"]')"
[[ "$(json '[m["description"] for m in d["media_attachments"]]')" == "['one', 'two']" ]] || fail "post media only: attachments $(json 'd["media_attachments"]')"
ok "post media only, two attachments (id $MEDIA_ONLY)"

run "upload" toot --no-color --as "$U1" upload "$TOOT_HOME/small.png" --description "uploaded $RUN"
expect "upload" "Successfully uploaded media ID"
expect "upload" "Preview URL: http"
ok "upload"

run "status with media (text)" toot --no-color --as "$U1" status "$MEDIA_POST"
expect "status with media" "Media:"
expect "status with media" "/original.png"
ok "status shows media"

# ------------------------------------------------------------------ search, tags
run "post for search" toot --no-color --as "$U1" post --json "hallway toot trial numbat$RUN #toottag$RUN"
SEARCH_POST="$(json 'd["id"]')"
run "search statuses" toot --no-color --as "$U2" search "numbat$RUN" --type statuses
expect "search statuses" "$SEARCH_POST"
ok "search --type statuses (full text)"
run "search hashtags" toot --no-color --as "$U2" search "toottag$RUN" --type hashtags
expect "search hashtags" "#toottag$RUN"
ok "search --type hashtags"
run "timelines tag" toot --no-color --as "$U2" timelines tag "toottag$RUN" --no-pager --no-clear --limit 5
expect "timelines tag" "numbat$RUN"
ok "timelines tag"
run "tags info" toot --no-color --as "$U2" tags info "toottag$RUN"
expect "tags info" "/tags/toottag$RUN"
run "tags follow" toot --no-color --as "$U2" tags follow "toottag$RUN"
run "tags followed" toot --no-color --as "$U2" tags followed
expect "tags followed" "#toottag$RUN"
run "tags unfollow" toot --no-color --as "$U2" tags unfollow "toottag$RUN"
ok "tags info/follow/followed/unfollow"

# ------------------------------------------------------------------ polls
run "post --poll-option" toot --no-color --as "$U1" post --json --poll-option yes --poll-option no --poll-expires-in 1h "hallway toot trial $RUN poll"
POLL_POST="$(json 'd["id"]')"
POLL="$(json 'd["poll"]["id"]')"
[[ -n "$POLL" ]] || fail "post --poll-option: no poll in the response"
ok "post with poll (poll $POLL)"
# `toot polls vote` takes zero-indexed choices; `polls show` prints ANSI colours even with --no-color
if [[ "$U2" != "$U1" ]]; then
    run "polls vote" toot --no-color --as "$U2" polls vote "$POLL" 1 --json
    [[ "$(json 'd["own_votes"]')" == "[1]" ]] || fail "polls vote: own_votes $(json 'd["own_votes"]')"
    run "polls show" toot --no-color --as "$U1" polls show "$POLL" --json
    [[ "$(json '[o["votes_count"] for o in d["options"]]')" == "[0, 1]" ]] || fail "polls show: counts $(json '[o["votes_count"] for o in d["options"]]')"
    run "polls show (text)" toot --no-color --as "$U1" polls show "$POLL"
    expect "polls show text" "1 votes"
    ok "polls vote + show"
else
    run "polls show" toot --no-color --as "$U1" polls show "$POLL"
    ok "polls show (no second user to vote)"
fi

# ------------------------------------------------------------------ scheduled
run "post --scheduled-in" toot --no-color --as "$U1" post --json --scheduled-in 10m "hallway toot trial $RUN later"
SCHEDULED="$(json 'd["id"]')"
[[ -n "$(json 'd["scheduled_at"]')" ]] || fail "post --scheduled-in: no scheduled_at"
[[ "$(json 'd["params"]["text"]')" == "hallway toot trial $RUN later" ]] || fail "post --scheduled-in: params.text"
run "post --scheduled-in (text)" toot --no-color --as "$U1" post --scheduled-in 10m "hallway toot trial $RUN later 2"
expect "post --scheduled-in text" "Toot scheduled for:"
# toot cannot cancel scheduled statuses: do it through the API
CODES="$(api "$U1" DELETE "/api/v1/scheduled_statuses/$SCHEDULED")"
SCHEDULED2="$(curl -sS -H "Authorization: Bearer $(token "$U1")" "$URL/api/v1/scheduled_statuses" | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if sys.argv[1] in s["params"]["text"]))' "$RUN later 2")"
for sid in $SCHEDULED2; do CODES="$CODES $(api "$U1" DELETE "/api/v1/scheduled_statuses/$sid")"; done
[[ "$CODES" == "200 200" ]] || fail "cancelling scheduled statuses answered: $CODES"
ok "post --scheduled-in (cancelled through the API)"

# ------------------------------------------------------------------ bookmarks
run "bookmark" toot --no-color --as "$U2" bookmark "$SEARCH_POST"
expect "bookmark" "Status bookmarked"
run "bookmarks" toot --no-color --as "$U2" bookmarks --once --count 5
expect "bookmarks" "numbat$RUN"
run "unbookmark" toot --no-color --as "$U2" unbookmark "$SEARCH_POST"
expect "unbookmark" "Status unbookmarked"
ok "bookmark/bookmarks/unbookmark"

# ------------------------------------------------------------------ account images
AVATAR_BEFORE="$(toot --as "$U1" whoami --json </dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["avatar"])')"
run "update-account --avatar --header" toot --no-color --as "$U1" update-account --avatar "$TOOT_HOME/small.png" --header "$TOOT_HOME/small.png" --json
AVATAR="$(json 'd["avatar"]')"
[[ "$AVATAR" != "$AVATAR_BEFORE" ]] || fail "update-account: avatar unchanged ($AVATAR)"
[[ "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$AVATAR")" == "200 image/"* ]] || fail "update-account: avatar $AVATAR not served"
CODES="$(api "$U1" DELETE /api/v1/profile/avatar) $(api "$U1" DELETE /api/v1/profile/header)"
[[ "$CODES" == "200 200" ]] || fail "resetting avatar/header answered: $CODES"
ok "update-account --avatar --header"

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

    # lists need user 1 to follow user 2
    run "follow (user 1 -> user 2)" toot --no-color --as "$U1" follow "$ACCT2"
    run "lists create" toot --no-color --as "$U1" lists create "toot trial $RUN"
    expect "lists create" "created"
    run "lists add" toot --no-color --as "$U1" lists add "toot trial $RUN" "$ACCT2"
    run "lists accounts" toot --no-color --as "$U1" lists accounts "toot trial $RUN"
    expect "lists accounts" "@$ACCT2"
    run "post (user 2)" toot --no-color --as "$U2" post --json "hallway toot trial $RUN for the list"
    LIST_POST="$(json 'd["id"]')"
    run "timelines list" toot --no-color --as "$U1" timelines list "toot trial $RUN" --no-pager --no-clear --limit 5
    expect "timelines list" "$RUN for the list"
    run "lists remove" toot --no-color --as "$U1" lists remove "toot trial $RUN" "$ACCT2"
    run "lists delete" toot --no-color --as "$U1" lists delete "toot trial $RUN"
    run "unfollow (user 1 -> user 2)" toot --no-color --as "$U1" unfollow "$ACCT2"
    run "delete list post" toot --no-color --as "$U2" delete "$LIST_POST"
    ok "lists create/add/accounts/timelines list/remove/delete"

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
for sid in "$MEDIA_POST" "$BIG_POST" "$MEDIA_ONLY" "$SEARCH_POST" "$POLL_POST"; do
    run "delete $sid" toot --no-color --as "$U1" delete "$sid"
done
ok "delete"

# ------------------------------------------------------------------ last: known gaps
# Each is skippable with HALLWAY_SKIP=name[,name] so that the one before does not hide it.
skipped() { [[ ",${HALLWAY_SKIP:-}," == *",$1,"* ]] && echo "skip: $1 (HALLWAY_SKIP)"; }

# toot's api.find_tag (tags info/follow/unfollow) compares each hashtag search result by
# name *or* `t["id"]`: a Tag without `id` makes it crash when the first result is not an
# exact match. Mastodon's Tag has an `id`.
if ! skipped tags_prefix; then
    run "post with a tag" toot --no-color --as "$U1" post --json "hallway toot trial $RUN #prefix${RUN}tail"
    TAG_POST="$(json 'd["id"]')"
    OUT="$(toot --no-color --as "$U1" tags info "prefix$RUN" </dev/null 2>&1)"
    toot --as "$U1" delete "$TAG_POST" </dev/null >/dev/null 2>&1
    grep -q "Traceback" <<<"$OUT" && fail "tags info (only a prefix matches): toot crashed (does the Tag entity lack \`id\`?)"
    expect "tags info (only a prefix matches)" "Tag not found"
    ok "tags info for a name that only prefix-matches: Tag not found"
fi

# Mastodon 4.3's link timeline (GET /api/v1/timelines/link?url=)
if ! skipped timelines_link; then
    run "post with a link" toot --no-color --as "$U1" post --json "hallway toot trial $RUN https://example.com/toot-trial/$RUN"
    LINK_POST="$(json 'd["id"]')"
    OUT="$(toot --no-color --as "$U1" timelines link "https://example.com/toot-trial/$RUN" --no-pager --no-clear --limit 5 </dev/null 2>&1)"
    RC=$?
    toot --as "$U1" delete "$LINK_POST" </dev/null >/dev/null 2>&1
    [[ $RC -eq 0 ]] || fail "timelines link: exit $RC (GET /api/v1/timelines/link?url=...)"
    expect "timelines link" "$RUN https://example.com/toot-trial/$RUN"
    ok "timelines link"
fi

echo "ALL OK"
