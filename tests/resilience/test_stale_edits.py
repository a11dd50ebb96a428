"""Stale edits from two clients: both read a record, both write; the second is refused with 409
and nothing is silently overwritten.

One table for every write that carries the ``version` it read: the API operations (every one whose
request body declares ``version`` in the OpenAPI document must have a row) and the pages (every
WTForms class with a ``version`` field must have a row). Each row, in the authorization matrix's
world and inside a SAVEPOINT rolled back afterwards:
- ``prepare`` brings the record to where both writes make sense (optional);
- both clients read the version;
- the first client writes (a different change that moves the version on), and succeeds;
- the second writes with the version it read, and gets 409 (API: ``stale_version``; pages: the
  form back with the user's input, or the error page);
- ``kept`` checks that the first write is what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casework.assessments import services as assessments
from casework.auth.services import actor_for
from casework.cases import transitions
from tests.api.test_authorization_matrix import _build
from tests.assessment_world import answers_for
from tests.conftest import bearer, sign_in
from tests.web.pages import csrf, page

API = "/api/v1"


@dataclass
class Ctx:
    w: Any
    session: Any
    api: Callable[..., Any]  # api(actor, method, url, body=None)
    browser: Callable[[str, str], Any]  # browser(actor, tab) -> a signed-in client, one per tab

    def id(self, name: str) -> str:
        return str(self.w.ids[name])


@dataclass(frozen=True)
class StaleEdit:
    name: str
    read: Callable[[Ctx], Any]  # what both clients read (a version, or a page's form)
    first: Callable[[Ctx, Any], Any]  # the first client's write: succeeds
    second: Callable[[Ctx, Any], Any]  # the second client's write from the same read: refused
    kept: Callable[[Ctx], bool]  # the first write is what is stored
    covers: str  # the API operation ("PATCH /assessments/{assessment_id}") or the form class
    prepare: Callable[[Ctx], None] = lambda ctx: None


def _assessment(ctx: Ctx) -> Any:
    return ctx.api("lead", "GET", f"{API}/assessments/{ctx.id('assessment_id')}").json


def _submit_draft(ctx: Ctx) -> None:
    """Every answer given and submitted by the lead: a manager may now sign off or return it."""
    lead = actor_for(ctx.w.users["lead"])
    row = assessments.get_assessment(ctx.session, lead, ctx.id("assessment_id")).assessment
    assessments.save_assessment(ctx.session, lead, row.id, version=row.version, sections=answers_for(row.template))
    assessments.submit_assessment(ctx.session, lead, row.id)
    ctx.session.commit()


def _no_pending_change(ctx: Ctx) -> None:
    """The world's pending change of level is rejected, so the case may close."""
    transitions.decide_transition(
        ctx.session, actor_for(ctx.w.users["team_manager"]), ctx.id("transition_id"), decision="rejected", note="Not now"
    )
    ctx.session.commit()


def _case_version(ctx: Ctx) -> int:
    return int(ctx.api("lead", "GET", f"{API}/cases/{ctx.id('case_id')}").json["version"])


def _allocate_manager(ctx: Ctx) -> Any:
    """A change to the case by someone else: the manager allocates it to themself."""
    body = {"user_id": ctx.w.users["team_manager"].id}
    return ctx.api("team_manager", "PUT", f"{API}/cases/{ctx.id('case_id')}/lead-professional", body)


def _case_open_and_reallocated(ctx: Ctx) -> bool:
    case = ctx.api("lead", "GET", f"{API}/cases/{ctx.id('case_id')}").json
    return bool(case["status"] != "closed" and case["lead_professional_id"] == ctx.w.users["team_manager"].id)


def _action(ctx: Ctx) -> dict[str, Any]:
    items = ctx.api("lead", "GET", f"{API}/plans/{ctx.id('plan_id')}/actions").json["items"]
    return next(a for a in items if a["id"] == ctx.id("action_id"))


def _transition(ctx: Ctx) -> dict[str, Any]:
    return dict(ctx.api("lead", "GET", f"{API}/transitions/{ctx.id('transition_id')}").json)


def _form(ctx: Ctx, actor: str, tab: str, url: str) -> tuple[str, str]:
    """A page's form as one tab shows it: its CSRF token and the version it carries."""
    doc = ctx.browser(actor, tab).get(url)
    assert doc.status_code == 200, (url, doc.status_code)
    return csrf(doc), str(page(doc).find("input", {"name": "version"})["value"])


def _post(ctx: Ctx, actor: str, tab: str, url: str, form: tuple[str, str], **data: Any) -> Any:
    token, version = form
    return ctx.browser(actor, tab).post(url, data={"csrf_token": token, "version": version, **data})


def _section_url(ctx: Ctx) -> str:
    return f"/assessments/{ctx.id('assessment_id')}/sections/parents_view"


def _review_url(ctx: Ctx) -> str:
    return f"/assessments/{ctx.id('assessment_id')}/review"


def _transition_url(ctx: Ctx) -> str:
    return f"/transitions/{ctx.id('transition_id')}"


def _decision_url(ctx: Ctx) -> str:
    return f"/transitions/{ctx.id('transition_id')}/decision"


def _manager_tab(ctx: Ctx, tab: str, url: Callable[[Ctx], str], forms: Any, **data: Any) -> Any:
    """The team's manager, in one of two tabs opened on the same form, sends it."""
    return _post(ctx, "team_manager", tab, url(ctx), forms[0 if tab == "a" else 1], **data)


def _two_tabs(actor: str, url: Callable[[Ctx], str]) -> Callable[[Ctx], Any]:
    return lambda ctx: (_form(ctx, actor, "a", url(ctx)), _form(ctx, actor, "b", url(ctx)))


EDITS = [
    # The API
    StaleEdit(
        "assessment: two saves",
        read=lambda ctx: _assessment(ctx)["version"],
        first=lambda ctx, v: ctx.api("lead", "PATCH", f"{API}/assessments/{ctx.id('assessment_id')}", _view(v, "First editor")),
        second=lambda ctx, v: ctx.api(
            "team_practitioner", "PATCH", f"{API}/assessments/{ctx.id('assessment_id')}", _view(v, "Second editor")
        ),
        kept=lambda ctx: _assessment(ctx)["sections"]["parents_view"]["view"] == "First editor",
        covers="PATCH /assessments/{assessment_id}",
    ),
    StaleEdit(
        "assessment: submitted from before a save",
        read=lambda ctx: _assessment(ctx)["version"],
        first=lambda ctx, v: ctx.api("lead", "PATCH", f"{API}/assessments/{ctx.id('assessment_id')}", _view(v, "Saved meanwhile")),
        second=lambda ctx, v: ctx.api("team_practitioner", "POST", f"{API}/assessments/{ctx.id('assessment_id')}/submit", {"version": v}),
        kept=lambda ctx: _assessment(ctx)["status"] == "draft",
        covers="POST /assessments/{assessment_id}/submit",
    ),
    StaleEdit(
        "assessment: returned, then signed off from the old copy",
        prepare=_submit_draft,
        read=lambda ctx: _assessment(ctx)["version"],
        first=lambda ctx, v: ctx.api(
            "team_manager", "POST", f"{API}/assessments/{ctx.id('assessment_id')}/return", {"version": v, "comments": "More please"}
        ),
        second=lambda ctx, v: ctx.api("team_manager", "POST", f"{API}/assessments/{ctx.id('assessment_id')}/sign-off", {"version": v}),
        kept=lambda ctx: _assessment(ctx)["status"] == "returned",
        covers="POST /assessments/{assessment_id}/sign-off",
    ),
    StaleEdit(
        "assessment: signed off, then returned from the old copy",
        prepare=_submit_draft,
        read=lambda ctx: _assessment(ctx)["version"],
        first=lambda ctx, v: ctx.api("team_manager", "POST", f"{API}/assessments/{ctx.id('assessment_id')}/sign-off", {"version": v}),
        second=lambda ctx, v: ctx.api(
            "team_manager", "POST", f"{API}/assessments/{ctx.id('assessment_id')}/return", {"version": v, "comments": "Late"}
        ),
        kept=lambda ctx: _assessment(ctx)["status"] == "signed_off",
        covers="POST /assessments/{assessment_id}/return",
    ),
    StaleEdit(
        "action: two status changes",
        read=lambda ctx: _action(ctx)["version"],
        first=lambda ctx, v: _patch_action(ctx, "lead", v, "in_progress"),
        second=lambda ctx, v: _patch_action(ctx, "team_practitioner", v, "done"),
        kept=lambda ctx: _action(ctx)["status"] == "in_progress",
        covers="PATCH /actions/{action_id}",
    ),
    StaleEdit(
        "change of level: rejected, then approved from the old copy",
        read=lambda ctx: _transition(ctx)["version"],
        first=lambda ctx, v: ctx.api(
            "team_manager", "POST", f"{API}/transitions/{ctx.id('transition_id')}/reject", {"version": v, "note": "No"}
        ),
        second=lambda ctx, v: ctx.api("team_manager", "POST", f"{API}/transitions/{ctx.id('transition_id')}/approve", {"version": v}),
        kept=lambda ctx: _transition(ctx)["status"] == "rejected",
        covers="POST /transitions/{transition_id}/approve",
    ),
    StaleEdit(
        "change of level: approved, then rejected from the old copy",
        read=lambda ctx: _transition(ctx)["version"],
        first=lambda ctx, v: ctx.api("team_manager", "POST", f"{API}/transitions/{ctx.id('transition_id')}/approve", {"version": v}),
        second=lambda ctx, v: ctx.api(
            "team_manager", "POST", f"{API}/transitions/{ctx.id('transition_id')}/reject", {"version": v, "note": "Late"}
        ),
        kept=lambda ctx: _transition(ctx)["status"] == "approved",
        covers="POST /transitions/{transition_id}/reject",
    ),
    StaleEdit(
        "case: closed from a copy read before it was reallocated",
        prepare=_no_pending_change,
        read=_case_version,
        first=lambda ctx, v: _allocate_manager(ctx),
        second=lambda ctx, v: ctx.api(
            "lead", "POST", f"{API}/cases/{ctx.id('case_id')}/close", {"version": v, "reason": "other", "summary": "Moved on"}
        ),
        kept=_case_open_and_reallocated,
        covers="POST /cases/{case_id}/close",
    ),
    StaleEdit(
        "subject access review: two saves",
        read=lambda ctx: _export(ctx),  # the draft, with the third-party information pre-marked
        first=lambda ctx, seen: _save_export(ctx, seen["version"], []),
        second=lambda ctx, seen: _save_export(ctx, seen["version"], seen["redactions"]),
        kept=lambda ctx: _export(ctx)["redactions"] == [],
        covers="PATCH /subject-access-reviews/{export_id}",
    ),
    StaleEdit(
        "subject access review: released from the copy read before a save",
        read=lambda ctx: _export(ctx)["version"],
        first=lambda ctx, v: _save_export(ctx, v, []),
        second=lambda ctx, v: ctx.api("ig_officer", "POST", f"{API}/subject-access-reviews/{ctx.id('export_id')}/release", {"version": v}),
        kept=lambda ctx: _export(ctx)["status"] == "draft" and _export(ctx)["redactions"] == [],
        covers="POST /subject-access-reviews/{export_id}/release",
    ),
    StaleEdit(
        "restriction: lifted in two places",
        read=lambda ctx: _kept(ctx, "restrictions", "restriction_id")["version"],
        first=lambda ctx, v: _lift(ctx, "restrictions", "restriction_id", v, "Resolved"),
        second=lambda ctx, v: _lift(ctx, "restrictions", "restriction_id", v, "Again"),
        kept=lambda ctx: _kept(ctx, "restrictions", "restriction_id")["lifted_at"] is not None,
        covers="POST /restrictions/{restriction_id}/lift",
    ),
    StaleEdit(
        "legal hold: lifted in two places",
        read=lambda ctx: _kept(ctx, "legal-holds", "hold_id")["version"],
        first=lambda ctx, v: _lift(ctx, "legal-holds", "hold_id", v, "Inquiry closed"),
        second=lambda ctx, v: _lift(ctx, "legal-holds", "hold_id", v, "Again"),
        kept=lambda ctx: _kept(ctx, "legal-holds", "hold_id")["lifted_at"] is not None,
        covers="POST /legal-holds/{hold_id}/lift",
    ),
    # The pages: two tabs (or two people) open the same form
    StaleEdit(
        "assessment section page: two saves",
        read=lambda ctx: (_form(ctx, "lead", "a", _section_url(ctx)), _form(ctx, "team_practitioner", "b", _section_url(ctx))),
        first=lambda ctx, forms: _post(ctx, "lead", "a", _section_url(ctx), forms[0], q_view="First editor", draft="x"),
        second=lambda ctx, forms: _post(ctx, "team_practitioner", "b", _section_url(ctx), forms[1], q_view="Second editor", draft="x"),
        kept=lambda ctx: _assessment(ctx)["sections"]["parents_view"]["view"] == "First editor",
        covers="SectionForm",
    ),
    StaleEdit(
        "assessment submit page: submitted from before a save",
        read=lambda ctx: _form(ctx, "team_practitioner", "b", f"/assessments/{ctx.id('assessment_id')}/submit"),
        first=lambda ctx, form: ctx.api("lead", "PATCH", f"{API}/assessments/{ctx.id('assessment_id')}", _view(form[1], "Meanwhile")),
        second=lambda ctx, form: _post(ctx, "team_practitioner", "b", f"/assessments/{ctx.id('assessment_id')}/submit", form),
        kept=lambda ctx: _assessment(ctx)["status"] == "draft" and _assessment(ctx)["sections"]["parents_view"]["view"] == "Meanwhile",
        covers="SubmitForm",
    ),
    StaleEdit(
        "assessment review page: two tabs decide",
        prepare=_submit_draft,
        read=_two_tabs("team_manager", _review_url),
        first=lambda ctx, forms: _manager_tab(ctx, "a", _review_url, forms, decision="return", comments="More"),
        second=lambda ctx, forms: _manager_tab(ctx, "b", _review_url, forms, decision="sign_off"),
        kept=lambda ctx: _assessment(ctx)["status"] == "returned",
        covers="ReviewForm",
    ),
    StaleEdit(
        "action page: two updates",
        read=lambda ctx: (
            _form(ctx, "lead", "a", f"/actions/{ctx.id('action_id')}"),
            _form(ctx, "team_practitioner", "b", f"/actions/{ctx.id('action_id')}"),
        ),
        first=lambda ctx, forms: _post(ctx, "lead", "a", f"/actions/{ctx.id('action_id')}", forms[0], status="in_progress"),
        second=lambda ctx, forms: _post(ctx, "team_practitioner", "b", f"/actions/{ctx.id('action_id')}", forms[1], status="done"),
        kept=lambda ctx: _action(ctx)["status"] == "in_progress",
        covers="ActionUpdateForm",
    ),
    StaleEdit(
        "change of level page: two tabs decide",
        read=_two_tabs("team_manager", _transition_url),
        first=lambda ctx, forms: _manager_tab(ctx, "a", _decision_url, forms, decision="rejected", note="No"),
        second=lambda ctx, forms: _manager_tab(ctx, "b", _decision_url, forms, decision="approved"),
        kept=lambda ctx: _transition(ctx)["status"] == "rejected",
        covers="DecisionForm",
    ),
    StaleEdit(
        "immediate-risk step-up page: confirmed in two tabs",
        prepare=lambda ctx: _immediate_step_up(ctx),
        read=_two_tabs("team_manager", _transition_url),
        first=lambda ctx, forms: _manager_tab(ctx, "a", _decision_url, forms, note="Confirmed"),
        second=lambda ctx, forms: _manager_tab(ctx, "b", _decision_url, forms, note="Again"),
        kept=lambda ctx: _transition(ctx)["decided_by_id"] == ctx.w.users["team_manager"].id,
        covers="ConfirmForm",
    ),
    StaleEdit(
        "data protection page: a restriction lifted in two tabs",
        read=lambda ctx: (_lift_form(ctx, "a"), _lift_form(ctx, "b")),
        first=lambda ctx, forms: _post(ctx, "ig_officer", "a", _lift_url(ctx), forms[0], reason="Resolved"),
        second=lambda ctx, forms: _post(ctx, "ig_officer", "b", _lift_url(ctx), forms[1], reason="Again"),
        kept=lambda ctx: _kept(ctx, "restrictions", "restriction_id")["lifted_at"] is not None,
        covers="LiftForm",
    ),
    StaleEdit(
        "close page: closed from a form opened before the case was reallocated",
        prepare=_no_pending_change,
        read=lambda ctx: _form(ctx, "lead", "a", f"/cases/{ctx.id('case_id')}/close"),
        first=lambda ctx, form: _allocate_manager(ctx),
        second=lambda ctx, form: _post(ctx, "lead", "a", f"/cases/{ctx.id('case_id')}/close", form, reason="other", summary="Moved on"),
        kept=_case_open_and_reallocated,
        covers="CloseForm",
    ),
]


def _export(ctx: Ctx) -> dict[str, Any]:
    """The information governance officer's subject access review as it stands."""
    return dict(ctx.api("ig_officer", "GET", f"{API}/subject-access-reviews/{ctx.id('export_id')}").json)


def _save_export(ctx: Ctx, version: Any, redactions: list[Any]) -> Any:
    body = {"version": int(version), "redactions": redactions}
    return ctx.api("ig_officer", "PATCH", f"{API}/subject-access-reviews/{ctx.id('export_id')}", body)


def _kept(ctx: Ctx, kind: str, name: str) -> dict[str, Any]:
    """A restriction or legal hold of the world's restricted and held family, as the API lists it."""
    items = ctx.api("ig_officer", "GET", f"{API}/families/{ctx.id('kept_family_id')}/{kind}").json["items"]
    return dict(next(item for item in items if item["id"] == ctx.id(name)))


def _lift_url(ctx: Ctx) -> str:
    return f"/data-protection/restrictions/{ctx.id('restriction_id')}/lift"


def _lift_form(ctx: Ctx, tab: str) -> tuple[str, str]:
    """The lift form of the world's restriction, as one of the officer's tabs shows it."""
    doc = ctx.browser("ig_officer", tab).get(f"/data-protection/families/{ctx.id('kept_family_id')}")
    assert doc.status_code == 200, doc.status_code
    form = page(doc).find("form", {"action": _lift_url(ctx)})
    return csrf(doc), str(form.find("input", {"name": "version"})["value"])


def _lift(ctx: Ctx, kind: str, name: str, version: Any, reason: str) -> Any:
    return ctx.api("ig_officer", "POST", f"{API}/{kind}/{ctx.id(name)}/lift", {"version": int(version), "reason": reason})


def _body_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return dict(operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}))


def _patch_action(ctx: Ctx, actor: str, version: Any, status: str) -> Any:
    return ctx.api(actor, "PATCH", f"{API}/actions/{ctx.id('action_id')}", {"version": version, "status": status})


def _view(version: Any, text: str) -> dict[str, Any]:
    return {"version": int(version), "sections": {"parents_view": {"view": text}}}


def _immediate_step_up(ctx: Ctx) -> None:
    """An immediate-risk step-up to the statutory level: in effect at once, confirmed afterwards."""
    _no_pending_change(ctx)
    change = transitions.request_transition(
        ctx.session, actor_for(ctx.w.users["lead"]), ctx.id("case_id"), to_level=4, reason="Disclosure", immediate_risk=True
    )
    ctx.session.commit()
    ctx.w.ids["transition_id"] = change.id


def test_stale_edits_second_writer_is_refused_and_nothing_is_overwritten(app, session, world, connection):  # type: ignore[no-untyped-def]
    w = _build(session, world)
    headers = {name: bearer(session, user) for name, user in w.users.items()}
    # Signed in before any row's SAVEPOINT, so that rolling a row back keeps the sessions.
    clients: dict[tuple[str, str], Any] = {}
    for actor in ("lead", "team_practitioner", "team_manager", "ig_officer"):
        for tab in ("a", "b"):
            clients[actor, tab] = app.test_client()
            sign_in(clients[actor, tab], session, w.users[actor])

    def browser(actor: str, tab: str) -> Any:
        return clients[actor, tab]

    def api(actor: str, method: str, url: str, body: Any = None) -> Any:
        return app.test_client().open(url, method=method, json=body, headers=headers[actor])

    ctx = Ctx(w, session, api, browser)
    failures: list[str] = []
    original_ids = dict(w.ids)
    for edit in EDITS:
        sp = connection.begin_nested()
        try:
            edit.prepare(ctx)
            seen = edit.read(ctx)
            first = edit.first(ctx, seen)
            second = edit.second(ctx, seen)
            if first.status_code >= 400:
                failures.append(f"{edit.name}: the first write failed with {first.status_code}")
            elif second.status_code != 409:
                failures.append(f"{edit.name}: the second write answered {second.status_code}, not 409")
            elif second.is_json and second.json["error"]["code"] != "stale_version":
                failures.append(f"{edit.name}: refused with {second.json['error']['code']}, not stale_version")
            elif not edit.kept(ctx):
                failures.append(f"{edit.name}: the first write is not what is stored")
        finally:
            sp.rollback()
            w.ids.clear()
            w.ids.update(original_ids)
            session.expire_all()
    assert not failures, "\n".join(failures)


def test_stale_edits_table_covers_every_versioned_write(app, client):  # type: ignore[no-untyped-def]
    """Every API operation whose body takes a ``version``, and every form with one, has a row."""
    from tests.resilience.test_payload_sweep import _schema_properties, _wtforms_classes

    spec = client.get(f"{API}/openapi.json").json
    versioned = {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "version" in _schema_properties(spec, _body_schema(operation))
    }
    forms = {form.__name__ for form in _wtforms_classes() if "version" in dir(form)}
    covered = {edit.covers for edit in EDITS}
    assert versioned and forms
    assert versioned - covered == set(), "API operations taking a version without a stale-edit row"
    assert forms - covered == set(), "forms carrying a version without a stale-edit row"
