"""The app survives a PostgreSQL restart.

The app's engine reaches a database of its own through a TCP proxy on the loopback interface;
stopping the proxy refuses new connections and cuts every open one, as a restart of the server
does (the shared PostgreSQL server itself is never touched). While it is down, pages answer 503
with the friendly GOV.UK page and the API answers 503 ``service_unavailable``; nothing half-done
is kept; when it is back, the same app object answers again (the pool checks connections before
use and drops dead ones), with no restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.families.models import Family
from tests.conftest import World, bearer, sign_in
from tests.resilience.proxy import TcpProxy
from tests.web.pages import page

pytestmark = pytest.mark.postgresql


@dataclass
class Running:
    app: Any
    db: Any
    proxy: TcpProxy
    family_id: str
    headers: dict[str, str]
    browser: Any

    def families(self) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Family)) or 0)


@pytest.fixture()
def running(settings, proxied_url) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    from casework import build_database, create_app
    from casework.audit import trail
    from casework.migrate import upgrade

    url, proxy = proxied_url
    db = build_database(settings.with_overrides(database_url=url))
    with db.engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    app = create_app(settings.with_overrides(database_url=url), db)
    session = db.session()
    trail.bind(session, trail.AuditContext("test", None, "outage-setup"))
    world = World(session)
    user = world.user(roles=("practitioner",), team="Early Help North")
    family = world.family(user)
    session.commit()
    headers = bearer(session, user)
    browser = app.test_client()
    sign_in(browser, session, user)
    session.close()
    try:
        yield Running(app, db, proxy, family.id, headers, browser)
    finally:
        db.engine.dispose()


def _assert_unavailable_page(response: Any) -> None:
    assert response.status_code == 503
    html = page(response)
    assert html.h1 is not None and html.h1.get_text(strip=True) == "Sorry, the service is unavailable"
    assert "Try again in a few minutes" in html.get_text()
    assert html.select_one("link[href*='govuk-frontend']") is not None, "styled as a GOV.UK page"
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "30"


def _assert_unavailable_json(response: Any) -> None:
    assert response.status_code == 503
    assert response.json["error"]["code"] == "service_unavailable"
    assert response.json["error"]["message"]
    assert response.headers["Retry-After"] == "30"


def test_database_outage_answers_503_while_down_and_recovers_without_a_restart(running: Running) -> None:
    api = running.app.test_client()
    family_url = f"/api/v1/families/{running.family_id}"
    assert api.get(family_url, headers=running.headers).status_code == 200
    assert running.browser.get(f"/families/{running.family_id}").status_code == 200
    before = running.families()

    running.proxy.stop()
    for _ in range(3):  # the pool holds connections that are now dead, then none can be made
        _assert_unavailable_json(api.get(family_url, headers=running.headers))
        _assert_unavailable_page(running.browser.get(f"/families/{running.family_id}"))
    _assert_unavailable_json(api.post("/api/v1/families", json={"postcode": "SW1A 1AA"}, headers=running.headers))
    _assert_unavailable_page(running.browser.get("/families"))
    assert running.app.test_client().get("/health").status_code == 503

    running.proxy.start()  # the database is back: the same app answers, nothing was restarted
    assert running.app.test_client().get("/health").json == {"status": "ok"}
    assert api.get(family_url, headers=running.headers).status_code == 200
    assert running.browser.get(f"/families/{running.family_id}").status_code == 200
    assert running.families() == before, "the write refused while the database was down left nothing behind"
    assert api.post("/api/v1/families", json={"postcode": "SW1A 1AA"}, headers=running.headers).status_code == 201
    assert running.families() == before + 1


def test_database_restart_between_requests_is_not_noticed(running: Running) -> None:
    """A restart while the app is idle leaves only dead connections in the pool: the next
    request finds them dead before use and succeeds on a new one."""
    api = running.app.test_client()
    family_url = f"/api/v1/families/{running.family_id}"
    assert api.get(family_url, headers=running.headers).status_code == 200
    assert running.proxy.open_connections >= 1
    running.proxy.stop()
    running.proxy.start()
    assert running.proxy.open_connections == 0
    assert api.get(family_url, headers=running.headers).status_code == 200
    assert running.browser.get(f"/families/{running.family_id}").status_code == 200
