#!/usr/bin/env python3
"""Real-client trial of the admin API: drive a running Hallway with Mastodon.py's admin_* calls.

Usage:
    python3 tests/clients/mastodon_py_admin_trial.py URL ADMIN_EMAIL ADMIN_PASSWORD MOD_EMAIL MOD_PASSWORD USER_EMAIL USER_PASSWORD

The three accounts must exist with those roles (`hallway user create … --role admin|moderator`). Every step
prints "ok: <step>"; the first failure prints the exception and exits with status 1. Written against
Mastodon.py 2.3.3.
"""

import datetime
import sys
import traceback
import uuid

from mastodon import Mastodon, MastodonAPIError

ADMIN_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


def sign_in(url, email, password):
    client_id, client_secret = Mastodon.create_app(f"admin-trial-{uuid.uuid4().hex[:6]}", api_base_url=url, scopes=ADMIN_SCOPES)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    api.log_in(email, password, scopes=ADMIN_SCOPES, allow_http=url.startswith("http://"))
    return api


def step(name, action):
    try:
        result = action()
    except Exception:
        print(f"FAIL: {name}")
        traceback.print_exc()
        sys.exit(1)
    print(f"ok: {name}")
    return result


def expect_refused(name, action):
    def refused():
        try:
            action()
        except MastodonAPIError as e:
            assert "403" in str(e) or "not allowed" in str(e), e
            return
        raise AssertionError("was not refused")
    step(name, refused)


def main():
    if len(sys.argv) != 8:
        print(__doc__)
        sys.exit(1)
    url, admin_email, admin_password, mod_email, mod_password, user_email, user_password = sys.argv[1:]
    admin = step("admin signs in with admin scopes", lambda: sign_in(url, admin_email, admin_password))
    moderator = step("moderator signs in", lambda: sign_in(url, mod_email, mod_password))
    user = step("user signs in", lambda: sign_in(url, user_email, user_password))
    me = user.me()

    listed = step("admin_accounts_v2(origin=local)", lambda: admin.admin_accounts_v2(origin="local"))
    assert any(a.id == me.id for a in listed), listed
    step("admin_accounts (v1)", lambda: admin.admin_accounts())
    shown = step("admin_account", lambda: admin.admin_account(me.id))
    assert shown.email == user_email and shown.account.id == me.id, shown
    staff = step("admin_accounts_v2(permissions=staff)", lambda: moderator.admin_accounts_v2(permissions="staff"))
    assert len(staff) >= 2, staff

    for action, field in [("silence", "silenced"), ("sensitive", "sensitized"), ("disable", "disabled"), ("suspend", "suspended")]:
        step(f"admin_account_moderate({action})", lambda action=action: moderator.admin_account_moderate(me.id, action, text="trial"))
        state = admin.admin_account(me.id)
        assert state[field], f"{field} after {action}: {state}"
    step("admin_account_unsilence", lambda: moderator.admin_account_unsilence(me.id))
    step("admin_account_unsensitive", lambda: moderator.admin_account_unsensitive(me.id))
    step("admin_account_enable", lambda: moderator.admin_account_enable(me.id))
    back = step("admin_account_unsuspend", lambda: moderator.admin_account_unsuspend(me.id))
    assert not (back.silenced or back.sensitized or back.disabled or back.suspended), back
    user = step("the user signs in again (suspension signed them out)", lambda: sign_in(url, user_email, user_password))

    step("the admin reports the user", lambda: admin.report(me.id, comment="Trial report", category="other"))
    reports = step("admin_reports", lambda: moderator.admin_reports())
    report = reports[0]
    assert report.target_account.id == me.id, report
    step("admin_report", lambda: moderator.admin_report(report.id))
    assigned = step("admin_report_assign", lambda: moderator.admin_report_assign(report.id))
    assert assigned.assigned_account is not None, assigned
    step("admin_report_unassign", lambda: moderator.admin_report_unassign(report.id))
    resolved = step("admin_report_resolve", lambda: moderator.admin_report_resolve(report.id))
    assert resolved.action_taken, resolved
    step("admin_reports(resolved=True)", lambda: moderator.admin_reports(resolved=True))
    step("admin_report_reopen", lambda: moderator.admin_report_reopen(report.id))
    step("admin_account_moderate(none, report_id)", lambda: moderator.admin_account_moderate(me.id, None, report_id=report.id, text="warned"))

    block = step("admin_create_domain_block", lambda: admin.admin_create_domain_block("spam.example", severity="suspend", private_comment="trial"))
    step("admin_domain_blocks", lambda: admin.admin_domain_blocks())
    step("admin_domain_blocks(id)", lambda: admin.admin_domain_blocks(block.id))
    step("admin_update_domain_block", lambda: admin.admin_update_domain_block(block.id, severity="silence"))
    step("admin_delete_domain_block", lambda: admin.admin_delete_domain_block(block.id))
    expect_refused("a moderator cannot block domains", lambda: moderator.admin_create_domain_block("spam.example"))

    email_block = step("admin_create_email_domain_block", lambda: admin.admin_create_email_domain_block("spam.example"))
    step("admin_email_domain_blocks", lambda: admin.admin_email_domain_blocks())
    step("admin_email_domain_block", lambda: admin.admin_email_domain_block(email_block.id))
    step("admin_delete_email_domain_block", lambda: admin.admin_delete_email_domain_block(email_block.id))

    canonical = step("admin_create_canonical_email_block", lambda: admin.admin_create_canonical_email_block(email="troll.face@corp.example"))
    matched = step("admin_test_canonical_email_block", lambda: admin.admin_test_canonical_email_block("trollface+x@corp.example"))
    assert len(matched) == 1, matched
    step("admin_canonical_email_blocks", lambda: admin.admin_canonical_email_blocks())
    step("admin_delete_canonical_email_block", lambda: admin.admin_delete_canonical_email_block(canonical.id))

    ip_block = step("admin_create_ip_block", lambda: admin.admin_create_ip_block("203.0.113.0/24", "sign_up_block", comment="trial", expires_in=3600))
    step("admin_ip_blocks", lambda: admin.admin_ip_blocks())
    step("admin_update_ip_block", lambda: admin.admin_update_ip_block(ip_block.id, severity="no_access"))
    step("admin_delete_ip_block", lambda: admin.admin_delete_ip_block(ip_block.id))

    allow = step("admin_create_domain_allow", lambda: admin.admin_create_domain_allow("eng.corp.example"))
    step("admin_domain_allows", lambda: admin.admin_domain_allows())
    step("admin_delete_domain_allow", lambda: admin.admin_delete_domain_allow(allow.id))

    end = datetime.datetime.now(datetime.timezone.utc)
    start = end - datetime.timedelta(days=7)
    measures = step("admin_measures", lambda: moderator.admin_measures(start, end, active_users=True, new_users=True, interactions=True, opened_reports=True, resolved_reports=True))
    assert {m.key for m in measures} == {"active_users", "new_users", "interactions", "opened_reports", "resolved_reports"}, measures
    step("admin_dimensions", lambda: moderator.admin_dimensions(start, end, languages=True, sources=True, servers=True, space_usage=True, software_versions=True))
    step("admin_retention", lambda: moderator.admin_retention(start, end))

    user.status_post("Trial post #trialtag", visibility="public")
    tags = step("admin_trending_tags", lambda: moderator.admin_trending_tags())
    assert any(t.name == "trialtag" for t in tags), tags
    tag = next(t for t in tags if t.name == "trialtag")
    step("admin_reject_trending_tag", lambda: moderator.admin_reject_trending_tag(tag.id))
    step("admin_approve_trending_tag", lambda: moderator.admin_approve_trending_tag(tag.id))
    step("admin_trending_statuses", lambda: moderator.admin_trending_statuses())
    step("admin_trending_links", lambda: moderator.admin_trending_links())

    step("announcements (none yet or some)", lambda: user.announcements())
    print("ALL OK")


if __name__ == "__main__":
    main()
