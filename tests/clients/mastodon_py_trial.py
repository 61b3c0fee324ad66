#!/usr/bin/env python3
"""Real-client trial: drive a running Hallway instance with Mastodon.py.

Usage:
    python3 tests/clients/mastodon_py_trial.py [URL USER PASSWORD [USER2 PASSWORD2]]

or set HALLWAY_URL, HALLWAY_USER, HALLWAY_PASSWORD, HALLWAY_USER2,
HALLWAY_PASSWORD2. USER / USER2 are what the password grant receives as
`username`, i.e. the accounts' e-mail addresses. Both accounts must exist.

Every step prints "ok: <step>"; the first failure prints the exception and
exits with status 1. Written against Mastodon.py 2.3.3.
"""

import datetime
import os
import sys
import time
import traceback
import uuid

try:
    from mastodon import Mastodon, MastodonNotFoundError
except ImportError:  # pragma: no cover
    print("FAIL: Mastodon.py is not installed (pip install Mastodon.py)")
    sys.exit(1)


def usage_exit(msg):
    print(f"FAIL: {msg}")
    print(__doc__)
    sys.exit(1)


def config():
    args = sys.argv[1:]
    names = ["HALLWAY_URL", "HALLWAY_USER", "HALLWAY_PASSWORD", "HALLWAY_USER2", "HALLWAY_PASSWORD2"]
    values = {}
    for i, name in enumerate(names):
        values[name] = args[i] if i < len(args) else os.environ.get(name)
    if not values["HALLWAY_URL"]:
        values["HALLWAY_URL"] = "http://127.0.0.1:8080"
    missing = [n for n in names if not values[n]]
    if missing:
        usage_exit("missing " + ", ".join(missing))
    return values


RUN = uuid.uuid4().hex[:8]
STEP = {"name": "setup"}


def ok(step, detail=""):
    print(f"ok: {step}" + (f" ({detail})" if detail else ""), flush=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def ids(items):
    return [str(x.id) for x in items]


def is_dt(value):
    return isinstance(value, datetime.datetime)


def step(name):
    STEP["name"] = name


def main():
    cfg = config()
    url = cfg["HALLWAY_URL"].rstrip("/")
    allow_http = url.startswith("http://")
    created = []  # (api, status_id) to clean up at the end

    # ---------------------------------------------------------------- login
    step("create_app")
    client_id, client_secret = Mastodon.create_app(
        "hallway-mastodon-py-trial", api_base_url=url, website="https://example.invalid/hallway-trial"
    )
    check(isinstance(client_id, str) and client_id, f"bad client_id {client_id!r}")
    check(isinstance(client_secret, str) and client_secret, "bad client_secret")
    ok("create_app", f"client_id={client_id}")

    api1 = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)

    step("oauth_authorization_server_info")
    meta = api1.oauth_authorization_server_info()
    if meta:
        grants = meta.get("grant_types_supported")
        if grants is not None:
            check("password" in grants, f"grant_types_supported lacks 'password': {grants}")
        ok("oauth_authorization_server_info", f"token_endpoint={meta.get('token_endpoint')}, grants={grants}")
    else:
        ok("oauth_authorization_server_info", "absent (404 or not JSON); Mastodon.py falls back to /oauth/token")

    step("log_in (password grant, user 1)")
    token1 = api1.log_in(username=cfg["HALLWAY_USER"], password=cfg["HALLWAY_PASSWORD"], allow_http=allow_http)
    check(isinstance(token1, str) and token1, "no access token")
    ok("log_in user 1")

    step("retrieve_mastodon_version")
    version = api1.retrieve_mastodon_version(fail_hard=True)
    major = api1.mastodon_major
    check(major >= 1, f"version parsed as {version!r}")
    ok("retrieve_mastodon_version", f"{version} -> {api1.mastodon_major}.{api1.mastodon_minor}.{api1.mastodon_patch}, api_version={api1.mastodon_api_version}")

    step("instance")
    inst = api1.instance()
    check(inst.get("title"), f"instance has no title: {dict(inst)}")
    check(inst.get("version"), "instance has no version")
    check(inst.get("domain") or inst.get("uri"), "instance has neither domain (v2) nor uri (v1)")
    ok("instance", f"{inst.get('domain') or inst.get('uri')} version {inst.get('version')}")

    step("instance_v1")
    inst1 = api1.instance_v1()
    check(inst1.get("uri"), "v1 instance has no uri")
    check(isinstance(inst1.get("urls"), dict), "v1 instance has no urls object")
    ok("instance_v1", f"uri={inst1.uri}")

    step("account_verify_credentials")
    me1 = api1.account_verify_credentials()
    check(me1.id and me1.username and me1.acct, f"incomplete account: {dict(me1)}")
    check(is_dt(me1.created_at), f"created_at not a datetime: {me1.get('created_at')!r}")
    check(isinstance(me1.get("source"), dict), "verify_credentials has no `source` object")
    ok("account_verify_credentials", f"@{me1.acct} id={me1.id}")

    # ---------------------------------------------------------------- posting
    step("status_post")
    text1 = f"hallway mastodon.py trial {RUN} first post"
    post1 = api1.status_post(text1, visibility="public")
    created.append((api1, post1.id))
    check(post1.id, "status has no id")
    check(f"{RUN} first post" in post1.content, f"content mismatch: {post1.content!r}")
    check(str(post1.account.id) == str(me1.id), "status.account is not me")
    check(post1.visibility == "public", f"visibility {post1.visibility!r}")
    check(is_dt(post1.created_at), f"created_at not a datetime: {post1.get('created_at')!r}")
    check(isinstance(post1.mentions, list) and isinstance(post1.media_attachments, list), "mentions/media_attachments not lists")
    ok("status_post", f"id={post1.id}")

    step("timeline_home (user 1)")
    home1 = api1.timeline_home()
    check(str(post1.id) in ids(home1), f"own post {post1.id} not in home timeline {ids(home1)}")
    ok("timeline_home user 1", f"{len(home1)} statuses")

    # ---------------------------------------------------------------- user 2
    step("log_in (password grant, user 2)")
    api2 = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    api2.log_in(username=cfg["HALLWAY_USER2"], password=cfg["HALLWAY_PASSWORD2"], allow_http=allow_http)
    me2 = api2.account_verify_credentials()
    check(str(me2.id) != str(me1.id), "user 2 resolved to the same account as user 1")
    ok("log_in user 2", f"@{me2.acct} id={me2.id}")

    step("account_follow")
    rel = api2.account_follow(me1.id)
    check(str(rel.id) == str(me1.id), f"relationship id {rel.id} != {me1.id}")
    check(rel.following or rel.requested, f"not following after follow: {dict(rel)}")
    if not rel.following:
        raise AssertionError("account 1 is locked (follow is only `requested`); use an unlocked account")
    ok("account_follow", "following=true")

    step("status_post (after follow)")
    text2 = f"hallway mastodon.py trial {RUN} second post"
    post2 = api1.status_post(text2)
    created.append((api1, post2.id))
    check(f"{RUN} second post" in post2.content, f"content mismatch: {post2.content!r}")
    ok("status_post after follow", f"id={post2.id}")

    step("timeline_home (user 2 sees user 1's post)")
    seen = False
    for _ in range(10):  # allow for asynchronous fan-out
        home2 = api2.timeline_home()
        if str(post2.id) in ids(home2):
            seen = True
            break
        time.sleep(0.5)
    check(seen, f"follower's home timeline lacks {post2.id}: {ids(home2)}")
    ok("timeline_home user 2")

    step("status_favourite")
    fav = api2.status_favourite(post2.id)
    check(str(fav.id) == str(post2.id), "favourite returned another status")
    check(fav.favourited is True, f"favourited={fav.favourited!r}")
    check(fav.favourites_count >= 1, f"favourites_count={fav.favourites_count!r}")
    ok("status_favourite")

    step("status_reply")
    # status_reply needs a full Status (reads .account.acct, .mentions, .visibility, .spoiler_text)
    target = api2.status(post2.id)
    reply = api2.status_reply(target, f"trial reply {RUN}")
    created.append((api2, reply.id))
    check(str(reply.in_reply_to_id) == str(post2.id), f"in_reply_to_id={reply.in_reply_to_id!r}")
    check(str(reply.in_reply_to_account_id) == str(me1.id), f"in_reply_to_account_id={reply.in_reply_to_account_id!r}")
    check(str(me1.id) in [str(m.id) for m in reply.mentions], f"reply does not mention user 1: {reply.mentions}")
    ok("status_reply", f"id={reply.id}")

    step("notifications (user 1)")
    notes = []
    for _ in range(10):
        notes = api1.notifications()
        fav_n = [n for n in notes if n.type == "favourite" and n.status and str(n.status.id) == str(post2.id)]
        men_n = [n for n in notes if n.type == "mention" and n.status and str(n.status.id) == str(reply.id)]
        if fav_n and men_n:
            break
        time.sleep(0.5)
    check(fav_n, f"no favourite notification for {post2.id}: {[(n.type, n.status and n.status.id) for n in notes]}")
    check(str(fav_n[0].account.id) == str(me2.id), "favourite notification from wrong account")
    check(men_n, f"no mention notification for {reply.id}: {[(n.type, n.status and n.status.id) for n in notes]}")
    check(is_dt(fav_n[0].created_at), "notification created_at not a datetime")
    ok("notifications favourite + mention")

    step("notifications follow")
    fol_n = [n for n in notes if n.type == "follow" and str(n.account.id) == str(me2.id)]
    if not fol_n:  # may be further down if user 1 has many notifications
        fol_n = [n for n in api1.notifications(types=["follow"]) if str(n.account.id) == str(me2.id)]
    check(fol_n, "no follow notification from user 2")
    ok("notifications follow")

    step("status_context")
    ctx = api1.status_context(post2.id)
    check(str(reply.id) in ids(ctx.descendants), f"reply not in descendants {ids(ctx.descendants)}")
    ctx2 = api1.status_context(reply.id)
    check(str(post2.id) in ids(ctx2.ancestors), f"post not in reply's ancestors {ids(ctx2.ancestors)}")
    ok("status_context")

    step("status_update (edit)")
    edited_text = f"hallway mastodon.py trial {RUN} second post, edited"
    edited = api1.status_update(post2.id, edited_text)
    check(str(edited.id) == str(post2.id), "edit returned another status")
    check("edited" in edited.content, f"content not edited: {edited.content!r}")
    check(is_dt(edited.edited_at), f"edited_at not set: {edited.get('edited_at')!r}")
    ok("status_update")

    step("status_history")
    hist = api1.status_history(post2.id)
    check(len(hist) >= 2, f"history has {len(hist)} entries")
    check(f"{RUN} second post" in hist[0].content and "edited" not in hist[0].content, f"first entry: {hist[0].content!r}")
    check("edited" in hist[-1].content, f"last entry: {hist[-1].content!r}")
    check(all(is_dt(h.created_at) for h in hist), "history created_at not datetimes")
    ok("status_history", f"{len(hist)} versions")

    # ---------------------------------------------------------------- pagination
    step("pagination (fetch_next)")
    page_posts = []
    for i in range(5):
        s = api1.status_post(f"hallway mastodon.py trial {RUN} page {i}")
        created.append((api1, s.id))
        page_posts.append(str(s.id))
    page = api1.timeline_home(limit=2)
    check(len(page) == 2, f"limit=2 returned {len(page)}")
    check(getattr(page, "_pagination_next", None), "no rel=\"next\" Link (with max_id=) on home timeline")
    collected = []
    pages = 0
    while page and pages < 50:
        check(len(page) <= 2, f"page of {len(page)} > limit 2")
        collected.extend(ids(page))
        if all(p in collected for p in page_posts):
            break
        page = api1.fetch_next(page)
        pages += 1
    check(len(collected) == len(set(collected)), f"duplicates across pages: {collected}")
    seen_order = [i for i in collected if i in page_posts]
    check(seen_order == list(reversed(page_posts)), f"pagination lost/misordered posts: {seen_order} vs {list(reversed(page_posts))}")
    ok("fetch_next", f"{pages + 1} pages")

    # ---------------------------------------------------------------- cleanup
    step("status_delete")
    deleted = api2.status_delete(reply.id)
    check(str(deleted.id) == str(reply.id), "delete returned another status")
    deleted = api1.status_delete(post2.id)
    check(str(deleted.id) == str(post2.id), "delete returned another status")
    check(deleted.get("text") is not None and "edited" in deleted.text, f"deleted status lacks source `text`: {deleted.get('text')!r}")
    try:
        api1.status(post2.id)
        raise AssertionError(f"status {post2.id} still fetchable after delete")
    except MastodonNotFoundError:
        pass
    done = {str(reply.id), str(post2.id)}
    for api, sid in created:
        if str(sid) not in done:
            api.status_delete(sid)
    ok("status_delete")

    step("account_unfollow")
    rel = api2.account_unfollow(me1.id)
    check(not rel.following, "still following after unfollow")
    ok("account_unfollow")

    print("ALL OK")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(f"FAIL: {STEP['name']}: {type(e).__name__}: {e}")
        traceback.print_exc()
        sys.exit(1)
