"""The OpenAPI document is generated from the route declarations and schemas."""

from __future__ import annotations


def test_openapi_document_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:  # type: ignore[operator]
                assert (path, method) in documented, f"{method} {path} is not in the OpenAPI document"


def test_openapi_document_has_schemas_errors_and_security(client):
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    assert {"Error", "FamilyCreate", "Family", "MemberCreate", "Person"} <= set(schemas)
    assert schemas["MemberCreate"]["properties"]["role"]["enum"] == ["child", "unborn", "parent_carer", "other_adult"]
    post = doc["paths"]["/families/{family_id}/members"]["post"]
    assert set(post["responses"]) >= {"201", "401", "404", "422"}
    assert post["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    search = doc["paths"]["/people/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {"family_name", "date_of_birth", "nhs_number"}
