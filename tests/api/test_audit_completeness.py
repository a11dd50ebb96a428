"""Completeness of the audit trail: every route that reads or writes case data, walked over
``app.url_map`` in the authorization matrix's world, records exactly one audit event for the
request (its operations folded into it); and if the audit append fails, the request fails and
nothing is changed.

A route counts as case data unless it is listed in NOT_CASE_DATA (administration, accounts,
the audit pages themselves). Each route is sent once by an actor the matrix allows, with its
own ``X-Request-Id``, inside a SAVEPOINT rolled back afterwards.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.audit import trail
from casework.audit.models import AuditEvent
from casework.families.models import Family
from tests.api.test_authorization_matrix import BLOCKED, EXPECTED, QUERIES, _bodies, _build, _url
from tests.conftest import bearer, sign_in
from tests.web.pages import csrf

#: Routes that hold no case data (accounts, administration, the audit trail's own pages).
NOT_CASE_DATA = {
    ("api.create_organisation", "POST"),
    ("api.list_organisations", "GET"),
    ("api.create_user", "POST"),
    ("api.verify_trail", "GET"),
    ("web.home", "GET"),
    ("auth.sign_out", "POST"),
    ("auth.tokens", "GET"),
    ("auth.tokens", "POST"),
    ("auth.revoke_token", "POST"),
    ("auth.second_factor", "GET"),
    ("auth.second_factor", "POST"),
    ("auth.set_up_second_factor", "GET"),
    ("auth.set_up_second_factor", "POST"),
    ("account.index", "GET"),
    ("account.confirm", "GET"),
    ("account.confirm", "POST"),
    ("account.change_password", "GET"),
    ("account.change_password", "POST"),
    ("account.change_email", "GET"),
    ("account.change_email", "POST"),
    ("account.new_recovery_codes", "GET"),
    ("account.new_recovery_codes", "POST"),
    ("admin.index", "GET"),
    ("admin.new_organisation", "GET"),
    ("admin.new_organisation", "POST"),
    ("admin.new_team", "GET"),
    ("admin.new_team", "POST"),
    ("admin.new_user", "GET"),
    ("admin.new_user", "POST"),
    ("audit.index", "GET"),
    ("audit.verify", "GET"),
    # Empty forms (no case data shown) and "is this family known?" before a question is asked.
    ("families.new", "GET"),
    ("families.add_member", "GET"),
    ("consent.known", "GET"),
    # The user's own notifications marked read (their messages, not a case's records).
    ("cases.read_notifications", "POST"),
    # The data protection start page: a form to find a family.
    ("retention.index", "GET"),
}
#: Page routes whose empty form comes back with its errors: nothing is read or written, so
#: there is nothing to audit (the matrix posts an empty form to every page route).
EMPTY_FORM_POSTS = {
    ("families.new", "POST"),
    ("families.add_member", "POST"),
    ("cases.new", "POST"),
    ("cases.close", "POST"),
    ("cases.assign_lead", "POST"),
    ("cases.request_change", "POST"),
    ("consent.record", "POST"),
    ("consent.add_member", "POST"),
    ("consent.share_without_consent", "POST"),
    ("consent.known", "POST"),
    ("plans.start", "POST"),
    ("plans.add_outcome", "POST"),
    ("plans.add_action", "POST"),
    ("plans.action", "POST"),
    ("plans.check", "POST"),
    ("retention.index", "POST"),
}


#: Who sends each route: the owning team first, so that lists and pages have something to show.
PREFERRED = ["lead", "team_manager", "team_practitioner"]


def test_every_case_data_route_records_exactly_one_event_per_request(app, session, world, connection):  # type: ignore[no-untyped-def]
    w = _build(session, world)
    headers = {name: bearer(session, user) for name, user in w.users.items()}
    clients: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for name, user in w.users.items():
        clients[name] = app.test_client()
        sign_in(clients[name], session, user)
        tokens[name] = csrf(clients[name].get("/account/tokens"))
    bodies = _bodies(w)
    failures: list[str] = []
    walked = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            key = (rule.endpoint, method)
            if key not in EXPECTED or key in NOT_CASE_DATA or key in EMPTY_FORM_POSTS:
                continue
            blocked = BLOCKED.get(key, (frozenset(), 0))[0]
            allowed = sorted(EXPECTED[key] - blocked)
            if not allowed:
                continue
            actor = min(allowed, key=lambda a: (PREFERRED.index(a) if a in PREFERRED else len(PREFERRED), a))
            url = _url(rule, w.ids, failures)
            if url is None:
                continue
            url += QUERIES.get(rule.endpoint, "")
            api = rule.rule.startswith("/api/")
            request_id = uuid.uuid4().hex
            sp = connection.begin_nested()
            try:
                client = clients[actor]
                if api:
                    body = bodies.get(key, {}) if method in ("POST", "PUT", "PATCH") else None
                    response = client.open(url, method=method, json=body, headers={**headers[actor], "X-Request-Id": request_id})
                else:
                    data: dict[str, Any] | None = None
                    if method != "GET":
                        data = {"csrf_token": tokens[actor], **bodies.get(key, {})}
                    response = client.open(url, method=method, data=data, headers={"X-Request-Id": request_id})
                count = select(func.count()).select_from(AuditEvent).where(AuditEvent.request_id == request_id)
                events = int(connection.execute(count).scalar() or 0)
            finally:
                sp.rollback()
            walked += 1
            if response.status_code >= 400:
                failures.append(f"{method} {rule.rule} as {actor}: {response.status_code}, expected success")
            elif events != 1:
                failures.append(f"{method} {rule.rule} as {actor}: {events} audit events for the request, not exactly one")
    assert not failures, "\n".join(failures)
    assert walked >= 50


def test_failed_audit_append_fails_the_request_and_changes_nothing(client, session, world, monkeypatch):  # type: ignore[no-untyped-def]
    user = world.user(roles=("practitioner",), team="North")
    auth_headers = bearer(session, user)
    families_before = int(session.scalar(select(func.count()).select_from(Family)) or 0)
    events_before = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    def broken(session: Any, events: Any) -> list[int]:
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(trail, "append", broken)
    response = client.post("/api/v1/families", json={"address_line_1": "1 Lane", "postcode": "SW1A 1AA"}, headers=auth_headers)
    assert response.status_code >= 500 and response.json["error"]["code"]
    monkeypatch.undo()
    session.expire_all()
    assert int(session.scalar(select(func.count()).select_from(Family)) or 0) == families_before
    assert int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0) == events_before


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/families"])
def test_failed_audit_append_fails_a_read(client, session, world, monkeypatch, path):  # type: ignore[no-untyped-def]
    user = world.user(roles=("practitioner",), team="North")
    world.family(user)
    auth_headers = bearer(session, user)
    monkeypatch.setattr(trail, "append", lambda s, e: (_ for _ in ()).throw(RuntimeError("audit down")))
    assert client.get(path, headers=auth_headers).status_code >= 500
