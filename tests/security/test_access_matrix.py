"""Every URL pattern of the project, requested by every kind of actor, with the
owner's ids in the URL: the expected status, and nobody else's data in the body.

The patterns are enumerated from the URL configuration, so a new view fails this
test until it is given an expectation here. The admin's ~120 patterns follow the
rules in `admin_expected`; the others are listed one by one.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.apps import apps
from django.test import Client

from tests.security.world import (
    ACTORS,
    PRIVATE,
    SHARED,
    build_world,
    concrete_url,
    remember_routes,
    url_patterns,
)

# Actors, in order: anonymous, owner, other learner, mentor (active mentorship
# with the owner), mentor without consent (a pending request), staff (two-factor
# on, no model permissions), superuser (two-factor on).
PUBLIC = (200,) * 7
SIGNED_IN = (302, 200, 200, 200, 200, 200, 200)  # anonymous: to the sign-in page
POST_ONLY = (302, 405, 405, 405, 405, 405, 405)
SIGNED_OUT_ONLY = (200, 302, 302, 302, 302, 302, 302)
MENTOR_ONLY = (302, 404, 404, 200, 404, 404, 404)  # 404: nobody learns who mentors
REDIRECT = (302,) * 7

EXPECTED = {
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "queue_health": PUBLIC,  # counts only, like the other probes
    "home": PUBLIC,
    "role_detail": PUBLIC,
    "role_changes": PUBLIC,  # what changed in a published role's content
    "skill_detail": PUBLIC,
    "search": PUBLIC,
    "sources": PUBLIC,
    "source_detail": PUBLIC,
    # The owner's profile is not public: 404 for everyone, the owner included.
    "public_profile": (404,) * 7,
    # allauth
    "account_login": SIGNED_OUT_ONLY,
    "account_signup": SIGNED_OUT_ONLY,
    "account_logout": SIGNED_IN,  # a GET asks to confirm; POST signs out
    "account_inactive": PUBLIC,
    "account_reauthenticate": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": REDIRECT,  # everyone here has a password already
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,  # a bad key: "this link is invalid"
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_email": PUBLIC,  # a bad key: "this link is invalid"
    "account_confirm_login_code": REDIRECT,  # no sign-in by code under way
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": REDIRECT,  # no sign-in waiting for a code
    # With an authenticator (staff and superuser), it asks for a code.
    "mfa_reauthenticate": (302, 302, 302, 302, 302, 200, 200),
    "mfa_activate_totp": REDIRECT,  # asks for the password again first
    "mfa_generate_recovery_codes": REDIRECT,
    # Without an authenticator of their own, 404; staff and superuser have one.
    "mfa_deactivate_totp": (302, 404, 404, 404, 404, 302, 302),
    "mfa_view_recovery_codes": (302, 404, 404, 404, 404, 404, 404),
    "mfa_download_recovery_codes": (302, 404, 404, 404, 404, 404, 404),
    "usersessions_list": SIGNED_IN,
    # accounts
    "account_settings": SIGNED_IN,
    "account_delete": SIGNED_IN,  # a GET explains; only a POST deletes
    # A one-time staff enrolment link: nobody's but its own staff member's.
    "staff_enrolment": (302, 404, 404, 404, 404, 404, 404),
    "mentoring_invite": POST_ONLY,
    "mentoring_request": POST_ONLY,
    "mentoring_invite_link": REDIRECT,  # shown once, right after creating it
    # The link keeps its token in the session and redirects at once to the page
    # (walked after it), which anyone signed in who opened a link may see, and
    # accept or decline there.
    "mentoring_invitation": REDIRECT,
    "mentoring_invitation_legacy": REDIRECT,  # links in emails sent before
    "mentoring_invitation_page": SIGNED_IN,
    "mentoring_invitation_accept": POST_ONLY,
    "mentoring_invitation_decline": POST_ONLY,
    "mentoring_accept": POST_ONLY,
    "mentoring_decline": POST_ONLY,
    "mentoring_end": POST_ONLY,
    # progress: every signed-in actor gets their own page, never the owner's
    "dashboard": SIGNED_IN,
    # A page's figures after a status change: each person's own.
    "progress_dashboard_figures": SIGNED_IN,
    "progress_role_figures": SIGNED_IN,
    "progress_skill_figures": SIGNED_IN,
    "progress_item": SIGNED_IN,
    "progress_reset": SIGNED_IN,  # a GET asks to confirm
    # The goal of a role the person follows: only the owner follows it here.
    "progress_goal": (302, 200, 404, 404, 404, 404, 404),
    # Comparing a published role with another: the picker, for anyone signed in.
    "progress_compare": SIGNED_IN,
    "calendar_settings": SIGNED_IN,
    "progress_review": POST_ONLY,
    "progress_change_reviewed": POST_ONLY,
    "reviews": SIGNED_IN,  # each person's own reviews, nobody else's
    "review_pacing": POST_ONLY,
    "review_pause": POST_ONLY,
    "review_resume": POST_ONLY,
    "calendar_feed": (404,) * 7,  # the world's token is no feed's: nobody learns
    # A forged unsubscribe link names nobody: 404 for all, signed in or not.
    "weekly_email_unsubscribe": (404,) * 7,
    "progress_export_json": SIGNED_IN,
    "progress_export_csv": SIGNED_IN,
    "progress_export_xapi": SIGNED_IN,
    # A learner's own learning record store: its settings, sending now, removing.
    "lrs_settings": SIGNED_IN,
    "lrs_send": POST_ONLY,
    "lrs_remove": POST_ONLY,
    "mentoring": SIGNED_IN,
    # Each person's own mentees' skills, as CSV (an empty table without any).
    "mentoring_skills_csv": SIGNED_IN,
    "progress_follow": POST_ONLY,
    "progress_leave": POST_ONLY,
    "progress_assess": POST_ONLY,
    "progress_set_status": POST_ONLY,
    "progress_note": POST_ONLY,
    "progress_add_evidence": POST_ONLY,
    "progress_report": POST_ONLY,
    "progress_delete_evidence": POST_ONLY,
    "feedback_reply": POST_ONLY,
    "feedback_mark_read": POST_ONLY,
    "progress_undo": POST_ONLY,
    # "I already know this": a GET asks to confirm; the undo is a POST
    "progress_known_stage": SIGNED_IN,
    "progress_known_skill": SIGNED_IN,
    "progress_undo_known": POST_ONLY,
    "mentee_dashboard": MENTOR_ONLY,
    "mentee_role": MENTOR_ONLY,
    "mentee_item": MENTOR_ONLY,
    "mentee_comment": POST_ONLY,
    "mentee_endorse": POST_ONLY,
    "mentee_nudge": POST_ONLY,
    # The API (api/v1.py): public content for everyone; a learner's own data
    # only with a personal access token, never with a session (401 for every
    # signed-in actor here); setting a status is a PUT.
    "api_v1:api-root": (404,) * 7,  # the API's root names no endpoint
    "api_v1:list_roles": PUBLIC,
    "api_v1:get_role": PUBLIC,
    "api_v1:list_revisions": PUBLIC,
    "api_v1:list_sources": PUBLIC,
    "api_v1:get_source": PUBLIC,
    "api_v1:my_roles": (401,) * 7,
    "api_v1:my_statuses": (401,) * 7,
    "api_v1:set_status": (405,) * 7,
    "api_v1:mark_known": (405,) * 7,
    "api_v1:due_today": (401,) * 7,
    "api_v1:forecast": (401,) * 7,
    "api_v1:rate": (405,) * 7,
    "api_v1:my_changes": (401,) * 7,
    "api_v1:my_notes": (401,) * 7,
    "api_v1:my_ratings": (401,) * 7,
    "api_v1:rate_skill": (401,) * 7,  # a GET of the ratings list, without a token
    "api_v1:save_note": (405,) * 7,
    "api_v1:add_evidence": (405,) * 7,
    "api_v1:remove_evidence": (405,) * 7,
    "api_v1:get_goal": (401,) * 7,
    "api_v1:set_goal": (401,) * 7,  # a GET of the goal, without a token
    "api_v1:mark_reviewed": (405,) * 7,
    "api_v1:my_reports": (401,) * 7,
    "api_v1:file_report": (401,) * 7,  # a GET of the reports list, without a token
    "api_v1:undo_known": (405,) * 7,
    "api_v1:list_mentees": (401,) * 7,
    "api_v1:mentee_roles": (401,) * 7,
    "api_v1:mentee_statuses": (401,) * 7,
    "api_v1:openapi-json": PUBLIC,
    "api_docs": PUBLIC,
    # A person's personal access tokens, and revoking one.
    "api_tokens": SIGNED_IN,
    "api_token_revoke": POST_ONLY,
}

# Admins that curators may only read: progress, and mentorships (ended, not edited);
# emails, scheduled runs and the task queue (pruned by the schedule, not by hand).
READ_ONLY_ADMINS = (
    "admin:progress_",
    "admin:roadmap_revision_",  # the record of what changed
    "admin:mentoring_mentorship_",
    "admin:outbox_",
    "admin:django_tasks_database_",
)
NON_STAFF = (302, 302, 302, 302, 302)


def admin_expected(name: str) -> tuple:
    """The admin's rules: non-staff are sent to sign in (a signed-in non-staff
    user asking for the admin's login page is refused), staff without model
    permissions see the index only, the superuser sees everything but adding
    or deleting what is read-only."""
    if name == "admin:login":
        return (302, 403, 403, 403, 403, 302, 302)
    if name in {"admin:index", "admin:jsi18n"}:
        return (*NON_STAFF, 200, 200)
    if name in {"admin:password_change", "admin:password_change_done"}:
        return (*NON_STAFF, 200, 200)
    if name == "admin:logout":
        return (*NON_STAFF, 405, 405)  # signing out is a POST
    if name == "admin:app_list":
        return (*NON_STAFF, 404, 200)
    if name in {"admin:view_on_site", ""}:
        return (*NON_STAFF, 302, 302)
    if name == "admin:autocomplete":
        return (*NON_STAFF, 403, 403)  # asked without its parameters
    if name == "admin:catch_all":
        return (*NON_STAFF, 404, 404)
    if name == "admin:progress_contentupload_add":  # the content file upload
        return (*NON_STAFF, 403, 200)
    if name.startswith(READ_ONLY_ADMINS) and name.endswith(("_add", "_delete")):
        return (*NON_STAFF, 403, 403)
    return (*NON_STAFF, 403, 200)


# Who may see which of the owner's data in a response body.
MAY_SEE_PRIVATE = {"owner"}
MAY_SEE_SHARED = {"owner", "mentor"}


def expected_for(name: str, route: str) -> tuple:
    if route == "admin/(?P<url>.*)$":
        return admin_expected("admin:catch_all")
    if route.startswith("admin/"):
        return admin_expected(name)
    assert name in EXPECTED, f"URL pattern {route!r} ({name}) has no expectation"
    return EXPECTED[name]


def fingerprint() -> str:
    """Every row the app owns, except what merely records a visit."""
    skip = {"Session", "UserSession", "LogEntry", "ContentType", "Permission"}
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model.__name__ in skip:
            continue
        rows = model._default_manager.order_by("pk").values()
        for row in rows:
            row.pop("last_login", None)
            row.pop("last_seen_at", None)
            row.pop("seen_at", None)  # a role's page notes the follower's visit
            row.pop("new_since", None)
            digest.update(json.dumps(row, default=str, sort_keys=True).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_every_url_for_every_actor(small_role, steps):
    world = build_world(small_role, steps)
    patterns = url_patterns()
    remember_routes(world, patterns)
    clients = {}
    for actor in ACTORS:
        client = Client(raise_request_exception=False)
        if world.users[actor] is not None:
            client.force_login(world.users[actor])
        clients[actor] = client
    before = fingerprint()
    problems = []
    requests = 0
    for route, name, pattern in patterns:
        url = concrete_url(name, pattern, world)
        expected = expected_for(name, route)
        for actor, status in zip(ACTORS, expected, strict=True):
            response = clients[actor].get(url)
            requests += 1
            if response.status_code != status:
                problems.append(
                    f"{actor} GET {url}: {response.status_code}, not {status}"
                )
            body = response.content.decode(errors="replace")
            admin_superuser = actor == "superuser" and route.startswith("admin/")
            for secrets, allowed, label in (
                (PRIVATE, MAY_SEE_PRIVATE, "private"),
                (SHARED, MAY_SEE_SHARED, "shared"),
            ):
                if actor in allowed or admin_superuser:
                    continue
                for secret in secrets:
                    if secret in body:
                        problems.append(f"{actor} GET {url}: shows {label} {secret}")
    assert fingerprint() == before, "a GET changed stored data"
    assert not problems, "\n".join(problems)
    # The figures docs/security.md reports.
    print(
        f"\naccess matrix: {len(patterns)} URL patterns x {len(ACTORS)} actors "
        f"= {requests} requests, 0 unexpected"
    )
    assert len(patterns) > 150 and requests == len(patterns) * len(ACTORS)
