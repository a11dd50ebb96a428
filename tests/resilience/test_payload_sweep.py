"""Payload sweep: cross-site scripting and SQL injection strings in every text field of every form
and API operation, then every page rendered.

In the authorization matrix's world:
1. API: for every operation of the OpenAPI document, each string in its valid body (the matrix's
   bodies, nested values included), each string property its schema declares, and each string
   query parameter is sent each payload in turn, by a user the matrix allows.
2. Forms: every page (every GET route of ``app.url_map``) is rendered for the user the matrix
   prefers on it, and every form found on it is sent back with each payload in all of its text
   fields (text inputs, text areas, the parts of dates), the other fields at their first choice.
   So a new form or field is swept without being listed here; a test also holds the sweep to
   every text field of the WTForms classes.
3. Then every page and every API read is rendered again for the owning team, a partner with a
   sharing basis and information governance.
Every response: no 5xx, no database error text; every HTML page parsed: no element or attribute
that a payload injected (no ``on*`` attribute, no ``<img src=x>``, no script running
``alert(1)``). The schema (tables and columns) is the same afterwards, and the payloads that were
stored come back escaped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from sqlalchemy import inspect
from werkzeug.routing import Rule

from tests.api.test_authorization_matrix import EXPECTED, QUERIES, _bodies, _build, _url
from tests.api.test_schemathesis import preferred_actor
from tests.conftest import bearer, sign_in

LONG = "Ab" * 2_500 + "<script>alert(1)</script>"
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'); DROP TABLE family; --",
    "Zoë Ñúñez 🧒🏽 ‮evil‬ 𝔘𝔫𝔦 \u200b\ufeff 中文 عربى",
    LONG,
]
#: What a database error or a stack trace looks like in a response.
SQL_ERROR = re.compile(r"syntax error|OperationalError|ProgrammingError|IntegrityError|sqlite3|psycopg|Traceback|unrecognized token", re.I)
TEXT_INPUTS = {"text", "email", "search", "tel", "url", ""}
#: Who renders every page at the end: the owning team, a partner with a basis, the team's manager,
#: information governance.
RENDERERS = ["lead", "consent_taf", "team_manager", "ig_officer"]


@dataclass
class Form:
    action: str
    method: str
    actor: str
    fields: list[tuple[str, str, str]]  # (kind, name, value) in document order
    text: list[str] = field(default_factory=list)


def _injected(html: str) -> list[str]:
    """Elements or attributes a payload put into the page (escaped text is harmless)."""
    found = []
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        found += [f"<{tag.name} {name}=...>" for name in tag.attrs if name.lower().startswith("on")]
        if tag.name == "img" and tag.get("src") == "x":
            found.append("<img src=x>")
        if tag.name == "script" and "alert(1)" in tag.get_text():
            found.append("<script>alert(1)</script>")
    return found


def _check(where: str, response: Any, failures: list[str]) -> None:
    if response.status_code >= 500:
        failures.append(f"{where}: {response.status_code}")
        return
    # Binary bodies (a PDF, the subject access ZIP, an XLSX export) are not read as text here;
    # the spreadsheet's own formula-injection safety is tested with the reports.
    textual = response.mimetype.startswith("text/") or response.mimetype.endswith("json")
    text = response.get_data(as_text=True) if textual else ""
    if SQL_ERROR.search(text):
        failures.append(f"{where}: database error text in the response: {SQL_ERROR.search(text).group(0)!r}")  # type: ignore[union-attr]
    if response.mimetype == "text/html":
        failures += [f"{where}: injected {what}" for what in _injected(text)]


def _forms(html: str, actor: str, page_url: str) -> list[Form]:
    forms = []
    for element in BeautifulSoup(html, "html.parser").find_all("form"):
        action = element.get("action") or page_url
        form = Form(str(action), str(element.get("method", "get")).upper(), actor, [])
        for control in element.find_all(["input", "textarea", "select"]):
            name = control.get("name")
            if not name:
                continue
            kind = control.name if control.name != "input" else str(control.get("type", "text")).lower()
            if kind == "select":
                options = [o.get("value", o.get_text()) for o in control.find_all("option")]
                value = next((v for v in options if v), "")
            else:
                value = str(control.get("value", ""))
            form.fields.append((kind, str(name), value))
            if kind == "textarea" or kind in TEXT_INPUTS:
                form.text.append(str(name))
        forms.append(form)
    return forms


def _fill(form: Form, payload: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for kind, name, value in form.fields:
        if name in form.text:
            data[name] = payload
        elif kind in ("radio", "checkbox", "select", "hidden", "submit", "password"):
            data.setdefault(name, value)  # the first choice, and the form's own hidden values
    return data


def _strings(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every string in a JSON value."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _strings(v, (*path, i))]
    return []


def _replace(value: Any, path: tuple[Any, ...], payload: str) -> Any:
    if not path:
        return payload
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value.get(head), rest, payload)}
    copy = list(value or [None])
    copy[head] = _replace(copy[head], rest, payload)
    return copy


def _schema_properties(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return dict(schema.get("properties", {}))


def _api_variants(spec: dict[str, Any], operation: dict[str, Any], body: dict[str, Any] | None) -> list[tuple[Any, ...]]:
    """Every place a string goes in this operation's body: the valid body's strings, and the
    string properties its schema declares (optional ones included)."""
    places = set(_strings(body or {}))
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    for name, prop in _schema_properties(spec, content.get("schema", {})).items():
        if prop.get("type") == "string" and "enum" not in prop:
            places.add((name,))
        elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "string":
            places.add((name, 0))
    return sorted(places, key=repr)


def _get_routes(app: Any) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if "GET" in (r.methods or set())), key=lambda r: r.rule)


def _schema_shape(connection: Any) -> dict[str, list[str]]:
    inspector = inspect(connection)
    return {table: sorted(c["name"] for c in inspector.get_columns(table)) for table in sorted(inspector.get_table_names())}


def test_payload_sweep_every_text_field_then_every_page(app, session, world, connection):  # type: ignore[no-untyped-def]
    shape_before = _schema_shape(connection)
    w = _build(session, world)
    headers = {name: bearer(session, user) for name, user in w.users.items()}
    clients: dict[str, Any] = {}
    for name, user in w.users.items():
        clients[name] = app.test_client()
        sign_in(clients[name], session, user)
    failures: list[str] = []
    sent: Counter[str] = Counter()

    # 1. The API, from its OpenAPI document.
    spec = clients["lead"].get("/api/v1/openapi.json").json
    bodies = {key: dict(body) for key, body in _bodies(w).items()}
    adapter = app.url_map.bind("localhost")
    for path, operations in sorted(spec["paths"].items()):
        for method, operation in sorted(operations.items()):
            url = "/api/v1" + re.sub(r"\{([^}]+)\}", lambda m: w.ids[m.group(1)], path)
            endpoint, _ = adapter.match(url, method=method.upper())
            key = (str(endpoint), method.upper())
            actor = preferred_actor(key)
            queries = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query" and p["schema"].get("type") == "string"]
            places = _api_variants(spec, operation, bodies.get(key)) if "requestBody" in operation else []
            for payload in PAYLOADS:
                for place in places:
                    body = _replace(bodies.get(key, {}), place, payload)
                    response = clients[actor].open(url, method=method.upper(), json=body, headers=headers[actor])
                    _check(f"{method.upper()} {path} {place}", response, failures)
                    sent["api"] += 1
                    new_version = (response.json or {}).get("version") if response.is_json and response.status_code < 300 else None
                    if new_version is not None and "version" in bodies.get(key, {}):
                        bodies[key]["version"] = new_version  # the next edit is not stale
                for name in queries:
                    response = clients[actor].open(url, method=method.upper(), query_string={name: payload}, headers=headers[actor])
                    _check(f"{method.upper()} {path}?{name}=", response, failures)
                    sent["api"] += 1
                    if name == "family_name" and response.status_code == 200:
                        # an exact-match search: only people the sweep itself named with the payload
                        found = {item.get("family_name") for item in response.json["items"]}
                        assert found <= {payload}, f"a search for {payload[:30]!r} found {len(found)} other name(s)"

    _lift_what_the_sweep_restricted(session, w)  # (see below)

    # 2. Every form on every page, each payload in every text field at once.
    forms: dict[tuple[str, str], Form] = {}
    for rule in _get_routes(app):
        key = (rule.endpoint, "GET")
        if rule.rule.startswith("/api/") or key not in EXPECTED:
            continue
        actor = preferred_actor(key)
        url = _url(rule, w.ids, failures)
        if url is None:
            continue
        response = clients[actor].get(url + QUERIES.get(rule.endpoint, ""))
        if response.mimetype == "text/html" and response.status_code == 200:
            for form in _forms(response.get_data(as_text=True), actor, url):
                if form.text:
                    forms.setdefault((urlsplit(form.action).path, form.method), form)
    swept_fields: set[str] = set()
    for (action, method), form in sorted(forms.items(), key=lambda item: _destructive(item[0][0])):
        for payload in PAYLOADS:
            data = _fill(form, payload)
            if method == "GET":
                response = clients[form.actor].get(action, query_string=data)
            else:
                response = clients[form.actor].post(action, data=data)
            _check(f"{method} {action} (form)", response, failures)
            sent["forms"] += 1
        swept_fields |= set(form.text)

    # The sweep restricts the world's family like any other write (API and form alike), which
    # would hide all of it from the renders below: lift what it restricted (the reasons, payloads
    # included, stay on the record and on the officer's pages).
    _lift_what_the_sweep_restricted(session, w)

    # 3. Every page and every API read, for the owning team, a partner, a manager and IG.
    shown = 0
    for actor in RENDERERS:
        for rule in _get_routes(app):
            key = (rule.endpoint, "GET")
            if key not in EXPECTED or actor not in EXPECTED[key]:
                continue
            url = _url(rule, w.ids, failures)
            if url is None:
                continue
            api = rule.rule.startswith("/api/")
            response = clients[actor].get(url + QUERIES.get(rule.endpoint, ""), headers=headers[actor] if api else {})
            _check(f"GET {url} as {actor}", response, failures)
            sent["renders"] += 1
            if response.mimetype == "text/html" and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.get_data(as_text=True):
                shown += 1

    print(f"payload sweep: {dict(sent)}, {len(forms)} forms, {shown} pages showing a stored payload escaped")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures[:60])
    assert _schema_shape(connection) == shape_before, "the schema changed"
    assert shown >= 10, f"only {shown} pages showed a stored payload (escaped): the sweep stored too little"
    assert sent["api"] >= 500 and sent["forms"] >= 100 and sent["renders"] >= 100, sent
    missing = _wtforms_text_fields() - swept_fields - NOT_ON_A_PAGE_IN_THIS_WORLD
    assert not missing, f"text fields of WTForms classes the sweep never reached: {sorted(missing)}"


def _lift_what_the_sweep_restricted(session: Any, w: Any) -> None:
    from sqlalchemy import select

    from casework.auth.services import actor_for
    from casework.retention import services as retention
    from casework.retention.models import Restriction

    officer = actor_for(w.users["ig_officer"])
    rows = session.scalars(select(Restriction).where(Restriction.lifted_at.is_(None), Restriction.id != w.ids["restriction_id"]))
    for row in rows.all():
        retention.lift_restriction(session, officer, row.id, reason="Lifted after the sweep")
    session.commit()


def _destructive(action: str) -> bool:
    """Forms that end what the others need (closing the case, deciding, signing off) go last."""
    return any(word in action for word in ("/close", "/decide", "/review", "/remove", "/sign-out", "/revoke"))


#: Text fields of forms that the matrix's world never shows (with why), kept short on purpose.
NOT_ON_A_PAGE_IN_THIS_WORLD: set[str] = {
    "code",  # the second factor's code: shown before the sweep's sessions, which have passed it (tests/web/test_second_factor_pages.py)
}


def _wtforms_classes() -> list[type]:
    """Every WTForms class in casework (the forms modules imported, their subclasses walked)."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import casework

    for module in pkgutil.walk_packages(casework.__path__, "casework."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found: list[type] = []
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending += form.__subclasses__()
        found.append(form)
    return found


def _wtforms_text_fields() -> set[str]:
    """The names of the text fields of every WTForms class in casework."""
    from wtforms import Field
    from wtforms.fields import EmailField, HiddenField, PasswordField, SearchField, StringField, TextAreaField

    names: set[str] = set()
    for form in _wtforms_classes():
        for name in dir(form):
            unbound = getattr(form, name, None)
            field_class = getattr(unbound, "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, Field):
                text = issubclass(field_class, StringField | TextAreaField | EmailField | SearchField)
                if text and not issubclass(field_class, HiddenField | PasswordField):
                    names.add(name)
    return names


def test_payload_sweep_detector_finds_what_a_payload_would_inject() -> None:
    """The page check itself: each payload unescaped is found, escaped it is not."""
    from markupsafe import escape

    for payload in [*PAYLOADS[:2], LONG]:
        assert _injected(f"<p>{payload}</p>"), payload
        assert not _injected(f'<p>{escape(payload)}</p><input value="{escape(payload)}">'), payload
