"""schemathesis against the API's own OpenAPI document (/api/v1/openapi.json), through WSGI.

In the authorization matrix's world (tests/api/test_authorization_matrix.py), every operation of
the document is sent generated requests: valid ones and invalid ones (schemathesis's positive and
negative modes), with the world's real record ids in the path and with generated ones, carrying a
real bearer token of a user the matrix allows on that operation (the lead professional, the team's
manager, an administrator...). Each request runs inside a SAVEPOINT rolled back afterwards, so every
case meets the same world. None may answer a server error (5xx).

Without a token, every operation must answer 401 (the document itself is the only public one):
a request that no route matches at all (a generated path id containing "/") is a 404 from routing,
before any operation is reached, and is counted apart.

At least 5,000 cases are sent with a token (the count is asserted); hypothesis is derandomised so
that CI sends the same cases every run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.transport.prepare import get_exclude_headers
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.api.test_authorization_matrix import BLOCKED, EXPECTED, _build
from tests.conftest import bearer

#: Cases per operation and way of generating them. PostgreSQL runs fewer (the same generator:
#: what it adds is the database's own refusals, such as integers out of range).
PLANS = {
    "sqlite": {
        ("positive", "real ids"): 60,
        ("negative", "real ids"): 40,
        ("positive", "generated ids"): 14,
        ("negative", "generated ids"): 10,
    },
    "postgresql": {
        ("positive", "real ids"): 8,
        ("negative", "real ids"): 5,
        ("positive", "generated ids"): 2,
        ("negative", "generated ids"): 2,
    },
}
ANONYMOUS = {("positive", "real ids"): 4, ("negative", "generated ids"): 6}
#: The operations are shared between two tests (two xdist workers); each sends at least half.
SHARDS = 2
#: Cases sent with a token, at least (schemathesis's own negative cases leave the token out).
MINIMUM_WITH_TOKEN = {"sqlite": 5_000, "postgresql": 500}
#: Who sends each operation: the owning team's lead first, as in the audit completeness walk.
PREFERRED = ["lead", "team_manager", "team_practitioner"]


def _schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _endpoint(app: Any, operation: Any, ids: dict[str, str]) -> str:
    path = re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], operation.path)
    endpoint, _ = app.url_map.bind("localhost").match("/api/v1" + path, method=operation.method.upper())
    return str(endpoint)


def preferred_actor(key: tuple[str, str]) -> str:
    """Who sends a route in a walk: one the matrix allows (and the world does not block), the lead first."""
    blocked = BLOCKED.get(key, (frozenset(), 0))[0]
    allowed = sorted(EXPECTED[key] - blocked) or sorted(EXPECTED[key]) or ["lead"]
    return min(allowed, key=lambda a: (PREFERRED.index(a) if a in PREFERRED else len(PREFERRED), a))


def _curl(case: Any) -> str:
    command = str(case.as_curl_command())
    return command if len(command) <= 400 else command[:400] + "..."


def _routable(app: Any, response: Any) -> bool:
    """Whether the request reached an operation at all (a route matched its path and method)."""
    request = response.request
    path = request.path_url.split("?", 1)[0]
    from urllib.parse import unquote

    try:
        app.url_map.bind("localhost").match(unquote(path), method=request.method)
    except (NotFound, MethodNotAllowed):
        return False
    return True


def _fuzz(
    operation: Any,
    plan: dict[tuple[str, str], int],
    ids: dict[str, str],
    send: Callable[[Any], Any],
    check: Callable[[Any, Any], None],
) -> None:
    real = {p.name: ids[p.name] for p in operation.path_parameters}
    for (mode, id_source), examples in plan.items():
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode), path_parameters=real if id_source == "real ids" else None)

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            check(case, send(case))

        run()


@pytest.fixture()
def fuzz_world(app, session, world, connection):  # type: ignore[no-untyped-def]
    w = _build(session, world)
    headers = {name: bearer(session, user) for name, user in w.users.items()}

    def send(case: Any, auth: dict[str, str]) -> Any:
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        sp = connection.begin_nested()
        try:
            return case.call(headers=auth)
        finally:
            sp.rollback()

    return w, headers, send


@pytest.mark.parametrize("shard", range(SHARDS))
def test_schemathesis_no_operation_answers_a_server_error(app, fuzz_world, backend, shard):  # type: ignore[no-untyped-def]
    w, headers, send = fuzz_world
    operations = _operations(_schema(app))
    mine = operations[shard::SHARDS]
    plan = PLANS[backend]
    with_token: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for operation in mine:
        actor = preferred_actor((_endpoint(app, operation, w.ids), operation.method.upper()))

        def check(case: Any, response: Any, label: str = operation.label) -> None:
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code} for {_curl(case)}")
            if "Authorization" in get_exclude_headers(case):
                # schemathesis's own negative case: the token left out. It must be refused.
                if response.status_code != 401:
                    failures.append(f"{label}: {response.status_code} without the token for {_curl(case)}")
            else:
                with_token[label] += 1

        _fuzz(operation, plan, w.ids, lambda case, a=actor: send(case, headers[a]), check)
    total = sum(with_token.values())
    print(f"schemathesis shard {shard}: {total} cases with a token over {len(mine)} operations; statuses {sorted(statuses.items())}")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures[:40])
    assert total >= MINIMUM_WITH_TOKEN[backend] // SHARDS, f"only {total} cases sent with a token: {with_token.most_common()}"
    assert len(with_token) == len(mine), "every operation was sent with a token"
    assert sum(n for status, n in statuses.items() if 200 <= status < 300) >= len(mine), statuses


def test_schemathesis_every_operation_answers_401_without_a_token(app, fuzz_world):  # type: ignore[no-untyped-def]
    w, _, send = fuzz_world
    schema = _schema(app)
    sent: Counter[str] = Counter()
    unroutable = 0
    failures: list[str] = []
    for operation in _operations(schema):

        def check(case: Any, response: Any, label: str = operation.label) -> None:
            nonlocal unroutable
            sent[label] += 1
            if response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated":
                return
            if response.status_code == 404 and not _routable(app, response):
                unroutable += 1
                return
            failures.append(f"{label}: {response.status_code} without a token for {_curl(case)}")

        _fuzz(operation, ANONYMOUS, w.ids, lambda case: send(case, {}), check)
    assert not failures, f"{len(failures)} response(s) ignoring authentication:\n" + "\n".join(failures[:40])
    assert len(sent) == len(_operations(schema))
    assert unroutable < sum(sent.values()) // 2
