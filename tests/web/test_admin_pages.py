"""Administration pages: organisations, teams and users."""

from __future__ import annotations

from sqlalchemy import select

from casework.auth.models import Organisation, User
from tests.conftest import TEST_PASSWORD, sign_in
from tests.web.pages import csrf, error_summary_links


def test_admin_pages_create_organisation_team_and_user(client, session, world):
    admin = world.user(roles=("admin",), team=None)
    sign_in(client, session, admin)
    form = client.get("/admin/organisations/new")
    assert (
        client.post("/admin/organisations/new", data={"name": "Riverside School", "kind": "school", "csrf_token": csrf(form)}).status_code
        == 302
    )
    org = session.scalar(select(Organisation).where(Organisation.name == "Riverside School"))
    assert org is not None and org.kind == "school"
    form = client.get("/admin/teams/new")
    assert (
        client.post("/admin/teams/new", data={"organisation_id": org.id, "name": "Pastoral", "csrf_token": csrf(form)}).status_code == 302
    )
    form = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Dana Lee",
            "email": "dana@riverside.example",
            "organisation_id": org.id,
            "team": "Pastoral",
            "roles": ["practitioner", "safeguarding_lead"],
            "password": TEST_PASSWORD,
            "csrf_token": csrf(form),
        },
    )
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "dana@riverside.example"))
    assert user is not None and user.roles == {"practitioner", "safeguarding_lead"}
    assert "Dana Lee" in client.get("/admin/").get_data(as_text=True)


def test_admin_pages_refuse_common_password(client, session, world):
    admin = world.user(roles=("admin",), team=None)
    sign_in(client, session, admin)
    form = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Pat",
            "email": "pat@example.org",
            "organisation_id": admin.organisation_id,
            "roles": ["practitioner"],
            "password": "password123",
            "csrf_token": csrf(form),
        },
    )
    assert response.status_code == 200
    assert "password" in error_summary_links(response)


def test_admin_pages_need_the_admin_role(client, session, world):
    sign_in(client, session, world.user(roles=("manager",)))
    for path in ("/admin/", "/admin/organisations/new", "/admin/users/new", "/admin/teams/new"):
        assert client.get(path).status_code == 403
