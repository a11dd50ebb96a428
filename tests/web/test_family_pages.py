"""Family pages: lists scoped by the access policy, forms with linked error summaries."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.families.models import Family, Person
from tests.conftest import sign_in
from tests.web.pages import csrf, error_summary_links, page, title


def test_family_pages_create_family_then_member(client, session, world):
    user = world.user()
    sign_in(client, session, user)
    form = client.get("/families/new")
    assert title(form) == "Create a family record – Early help casework"
    created = client.post("/families/new", data={"address_line_1": "4 Mill Lane", "postcode": "ls1 4ap", "csrf_token": csrf(form)})
    assert created.status_code == 302
    family_url = created.headers["Location"]
    shown = client.get(family_url)
    assert "LS1 4AP" in shown.get_data(as_text=True)
    add_url = page(shown).find("a", string="Add a family member")["href"]  # type: ignore[index]
    add_form = client.get(add_url)
    added = client.post(
        add_url,
        data={
            "csrf_token": csrf(add_form),
            "given_name": "Ruby",
            "family_name": "Osei",
            "role": "child",
            "parental_responsibility": "no",
            "date_of_birth": ["3", "11", "2017"],  # GOV.UK date input: day, month, year
            "nhs_number": "943 476 5919",
        },
    )
    assert added.status_code == 302
    text = client.get(family_url).get_data(as_text=True)
    assert "Ruby Osei" in text and "3 November 2017" in text and "943 476 5919" in text


def test_family_pages_errors_link_to_fields_and_lose_nothing(client, session, world):
    user = world.user()
    family = world.family(user)
    sign_in(client, session, user)
    url = f"/families/{family.id}/members/new"
    form = client.get(url)
    response = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "given_name": "Ruby",
            "family_name": "",
            "role": "child",
            "parental_responsibility": "no",
            "nhs_number": "9434765918",
        },
    )
    assert response.status_code == 200
    links = error_summary_links(response)
    assert set(links) == {"family_name", "nhs_number"}
    assert page(response).find("input", {"name": "given_name"})["value"] == "Ruby"  # type: ignore[index]
    assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_family_pages_invalid_postcode_error(client, session, world):
    user = world.user()
    sign_in(client, session, user)
    form = client.get("/families/new")
    response = client.post("/families/new", data={"postcode": "QQ99", "csrf_token": csrf(form)})
    assert error_summary_links(response) == {"postcode": "Enter a real postcode, like SW1A 1AA"}


def test_family_pages_list_and_search_show_only_own_team(client, session, world):
    mine = world.user(team="North")
    theirs = world.user(team="South", org=mine.organisation)
    my_family = world.family(mine)
    world.person(mine, my_family, given_name="Ivy", family_name="Marchetti")
    their_family = world.family(theirs)
    world.person(theirs, their_family, given_name="Oscar", family_name="Marchetti")
    sign_in(client, session, mine)
    listing = client.get("/families").get_data(as_text=True)
    assert "Ivy Marchetti" in listing and "Oscar" not in listing
    found = client.get("/search?family_name=marchetti").get_data(as_text=True)
    assert "Ivy Marchetti" in found and "Oscar" not in found
    assert client.get(f"/families/{their_family.id}").status_code == 404
    assert client.get(f"/families/{their_family.id}/members/new").status_code == 404


def test_family_pages_escape_user_text(client, session, world):
    user = world.user()
    family = world.family(user, note='<script>alert("x")</script>')
    world.person(user, family, given_name="<b>Bold</b>", family_name="O'Brien")
    sign_in(client, session, user)
    html = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_family_pages_not_for_admins(client, session, world):
    user = world.user()
    family = world.family(user)
    admin = world.user(roles=("admin",), team=None, org=user.organisation)
    sign_in(client, session, admin)
    assert client.get("/families").status_code == 403
    assert client.get(f"/families/{family.id}").status_code == 403
    assert client.get("/", follow_redirects=False).headers["Location"] == "/admin/"


def test_family_pages_page_views_are_audited_once(client, session, world):
    from casework.audit.read import events_after, head_seq

    user = world.user()
    family = world.family(user)
    sign_in(client, session, user)
    before = head_seq(session)
    client.get(f"/families/{family.id}")
    session.expire_all()
    assert [(e.action, e.actor_id) for e in events_after(session, before)] == [("family.read", user.id)]
    assert session.get(Family, family.id) is not None
