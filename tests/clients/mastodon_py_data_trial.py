#!/usr/bin/env python3
"""Data ownership as a user tries it: Mastodon.py sets up follows, a list, a mute, a bookmark and a domain block
for user 1; the six CSV exports are read with user 1's token; user 2 imports the follows, lists and bookmarks
through Hallway's POST /api/v1/imports (Mastodon.py has no call for it: requests) and ends up following, listing
and bookmarking the same; user 1's archive is made and downloaded.

    python3 tests/clients/mastodon_py_data_trial.py URL USER1 PASS1 USER2 PASS2

Each step prints `ok: <step>`; the first failure prints `FAIL: ...` and exits 1; `ALL OK` at the end.
Run it on a fresh pair of users (user 2 must not yet follow user 1's followees)."""

import io
import sys
import time
import zipfile

import requests
from mastodon import Mastodon

base, user1, pass1, user2, pass2 = sys.argv[1:6]


def step(name, check):
    try:
        check()
        print(f"ok: {name}")
    except Exception as e:  # noqa: BLE001 - a trial reports whatever went wrong
        print(f"FAIL: {name}: {e!r}")
        sys.exit(1)


def login(email, password):
    client_id, secret = Mastodon.create_app("hallway-data-trial", api_base_url=base, scopes=["read", "write", "follow"])
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    api.log_in(email, password, scopes=["read", "write", "follow"], allow_http=base.startswith("http://"))
    return api


def wait_for(url, auth, state):
    """Polls a job (an import, an archive) for ten seconds; answers its last state."""
    for _ in range(100):
        shown = requests.get(url, headers=auth, timeout=10).json()
        if shown["state"] == state:
            break
        time.sleep(0.1)
    return shown


one, two = login(user1, pass1), login(user2, pass2)
me2 = two.me()
followed = one.account_lookup(me2.acct)
headers = {"Authorization": "Bearer " + one.access_token}
files = {}


def set_up():
    one.account_follow(followed, reblogs=False)
    team = one.list_create("Team, core")
    one.list_accounts_add(team, [followed])
    one.account_mute(followed, notifications=False)
    post = two.status_post("bookmark me (data trial)")
    one.status_bookmark(post)
    one.domain_block("spam.example")


def read_exports():
    for name in ["follows", "lists", "blocks", "mutes", "domain_blocks", "bookmarks"]:
        got = requests.get(f"{base}/settings/exports/{name}.csv", headers=headers, timeout=10)
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv"), (name, got.status_code)
        files[name] = got.text
    assert files["follows"].startswith("Account address,Show boosts,Notify on new posts,Languages\n"), files["follows"]
    assert ",false,false," in files["follows"], files["follows"]
    assert files["lists"].startswith('"Team, core",'), files["lists"]
    assert files["mutes"].endswith(",false\n"), files["mutes"]
    assert files["domain_blocks"] == "spam.example\n", files["domain_blocks"]


def import_as_user_two():
    third = login(user1, pass1)  # a second session of user 1, to be followed by user 2 through the import
    me1 = third.me()
    follows = f"Account address,Show boosts,Notify on new posts,Languages\n{me1.acct},true,false,\n"
    lists = f'"Readers",{me1.acct}\n'
    auth = {"Authorization": "Bearer " + two.access_token}
    for kind, body in [("following", follows), ("lists", lists)]:
        sent = requests.post(f"{base}/api/v1/imports", headers=auth, data={"type": kind, "mode": "merge"},
                             files={"data": (f"{kind}.csv", body, "text/csv")}, timeout=10)
        assert sent.status_code == 202, sent.text
        done = wait_for(f"{base}/api/v1/imports/{sent.json()['id']}", auth, "finished")
        assert done["state"] == "finished" and done["imported_items"] == 1, done
    assert any(a.id == me1.id for a in two.account_following(me2)), "user 2 follows user 1"
    assert [l.title for l in two.lists()] == ["Readers"], two.lists()


def archive():
    asked = requests.post(f"{base}/api/v1/archives", headers=headers, timeout=10)
    assert asked.status_code == 202, asked.text
    shown = wait_for(f"{base}/api/v1/archives/{asked.json()['id']}", headers, "ready")
    zipped = requests.get(shown["url"], headers=headers, timeout=30)
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert {"actor.json", "outbox.json", "likes.json", "bookmarks.json"} <= set(names), names


def clean_up():
    one.account_unfollow(followed)
    one.account_unmute(followed)
    one.domain_unblock("spam.example")
    for team in one.lists():
        one.list_delete(team)


step("set up follows, a list, a mute, a bookmark, a domain block", set_up)
step("read the six CSV exports", read_exports)
step("import follows and lists as user 2", import_as_user_two)
step("make and download the archive", archive)
step("clean up", clean_up)
print("ALL OK")
