"""The /api/v1 blueprint: bearer-token auth, marshmallow in and out, one JSON error format,
and an OpenAPI 3 document generated from the same schemas and route declarations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from casework.errors import Malformed, NotPermitted, ValidationFailed
from casework.extensions import csrf
from casework.web.access import check_path_ids, contains_nul, require_token

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
API_VERSION = "1.0.0"


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    tag: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    roles: tuple[str, ...] = ()
    errors: tuple[int, ...] = field(default=(401, 404))


OPERATIONS: list[Operation] = []


def _json_body() -> Any:
    if request.content_length == 0 or not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise Malformed("Send the body as JSON with Content-Type: application/json.")
    try:
        data = request.get_json(force=False, silent=False)
    except Exception:  # noqa: BLE001 - werkzeug raises BadRequest for bad JSON
        raise Malformed() from None
    if contains_nul(data):
        raise Malformed("The request contains characters that are not allowed.")
    return data


def _load(schema: type[Schema], data: Any) -> Any:
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.", {"_schema": ["Expected a JSON object"]})
    try:
        return schema().load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(fields={k: v if isinstance(v, list) else [str(v)] for k, v in messages.items()}) from None


def endpoint(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    many: bool = False,
    status: int = 200,
    roles: tuple[str, ...] = (),
    errors: tuple[int, ...] = (401, 404),
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare an API operation: route, auth, roles, input and output schemas, OpenAPI entry.

    The view receives ``body`` / ``query`` (loaded by the schemas) and the path parameters, and
    returns what the ``response`` schema dumps.
    """
    op = Operation(rule, method, summary, tag, body, query, response, many, status, roles, errors)
    OPERATIONS.append(op)

    def decorate(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def wrapped(**kwargs: Any) -> Response:
            require_token()
            check_path_ids(kwargs)
            if roles and not any(g.actor.has_role(r) for r in roles):
                raise NotPermitted()
            if body is not None:
                kwargs["body"] = _load(body, _json_body())
            if query is not None:
                args = request.args.to_dict()
                if contains_nul(args):
                    raise Malformed("The request contains characters that are not allowed.")
                kwargs["query"] = _load(query, args)
            result = view(**kwargs)
            if isinstance(result, Response):  # a file (a PDF, a ZIP) the client asked for by Accept
                return result
            payload = response().dump(result, many=many) if response is not None else result
            resp = jsonify(payload)
            resp.status_code = status
            return resp

        wrapped.required_roles = roles  # type: ignore[attr-defined]
        api_bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorate


def _spec() -> dict[str, Any]:
    from casework.api.schemas import ErrorSchema

    spec = APISpec(
        title="casework API",
        version=API_VERSION,
        openapi_version="3.0.3",
        info={
            "description": "Early help casework. Bearer tokens (Authorization: Bearer <token>); errors use "
            "{error: {code, message, fields?}}. A record the caller may not see is 404, never 403."
        },
        servers=[{"url": "/api/v1"}],
        plugins=[MarshmallowPlugin()],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    descriptions = {
        400: "Malformed request",
        401: "No token, or an invalid one",
        403: "Known record, action not allowed",
        404: "Unknown, or not visible to the caller",
        409: "A rule of the domain forbids it now",
        413: "Too large",
        422: "Validation failed",
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = op.rule.replace("<", "{").replace(">", "}")
        params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in _path_params(op.rule)]
        operation: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "security": [{"bearer": []}], "responses": {}}
        if params:
            operation["parameters"] = params
        if op.query is not None:
            operation.setdefault("parameters", []).append({"in": "query", "schema": op.query})
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        ok: dict[str, Any] = {"description": "Success"}
        if op.response is not None:
            schema: Any = op.response
            ok["content"] = {"application/json": {"schema": {"type": "array", "items": schema} if op.many else schema}}
        operation["responses"][str(op.status)] = ok
        codes = set(op.errors) | ({400, 413, 422} if op.body or op.query else set()) | ({403} if op.roles else set())
        for code in sorted(codes):
            operation["responses"][str(code)] = {"description": descriptions[code], "content": {"application/json": {"schema": "Error"}}}
        paths.setdefault(path, {})[op.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _path_params(rule: str) -> list[str]:
    import re

    return re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule)


@api_bp.get("/openapi.json")
def openapi() -> Response:
    cached = current_app.extensions["casework"].get("openapi")
    if cached is None:
        cached = current_app.extensions["casework"]["openapi"] = _spec()
    return jsonify(cached)


def init_api(app: Flask) -> None:
    # Importing the areas' api modules registers their operations on api_bp.
    from casework.assessments import api as _assessments_api  # noqa: F401
    from casework.audit import api as _audit_api  # noqa: F401
    from casework.auth import api as _auth_api  # noqa: F401
    from casework.cases import api as _cases_api  # noqa: F401
    from casework.consent import api as _consent_api  # noqa: F401
    from casework.dataprotection import api as _dataprotection_api  # noqa: F401
    from casework.families import api as _families_api  # noqa: F401
    from casework.plans import api as _plans_api  # noqa: F401
    from casework.reports import api as _reports_api  # noqa: F401
    from casework.retention import api as _retention_api  # noqa: F401

    csrf.exempt(api_bp)  # bearer tokens only: the API never accepts the session cookie
    if "api" not in app.blueprints:
        app.register_blueprint(api_bp)
