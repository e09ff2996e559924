"""The OpenAPI document (``/openapi.json``) says every answer an operation can give.

FastAPI documents what a route declares; the answers that come from the layers around every
route are added here, derived from the operation itself so a new route is covered without
listing it (issue 17: schemathesis found 401, 400 and others undocumented):

- **401** wherever the operation needs a bearer token (``security``), with ``WWW-Authenticate``;
- **400** (the body is not readable JSON) and **413** (the body is over the server's limit,
  default 1 MB) wherever it takes a body;
- **422** wherever it takes parameters or a body, with the product's error shape rather than
  FastAPI's default, which the API never sends;
- **503** everywhere: the database is not reachable, or the worker is over capacity and sheds
  the request (then with ``Retry-After``, seconds);
- ``page_size``'s ``maximum`` is the enforced one, the setting ``page_size_max``.

Every error answer is ``{"error": code, "detail": message}`` (``web/errors.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "A code: not_found, invalid_input, …"},
        "detail": {"type": "string", "description": "One line, in the request's language."},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

RETRY_AFTER = {
    "description": "Seconds to wait before retrying (when the worker sheds load).",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
}
WWW_AUTHENTICATE = {
    "description": "Bearer",
    "required": False,
    "schema": {"type": "string"},
}

DESCRIPTIONS = {
    400: "The body is not readable JSON.",
    401: "Missing or invalid bearer token.",
    413: "The body is larger than the server's limit (default 1 MB).",
    422: "A parameter or field is wrong; `detail` names it.",
    503: "The database is not reachable, or the service is over capacity (see Retry-After).",
}

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _error(status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The answer ``status`` with the error schema, keeping a route's own description."""
    answer = dict(existing or {})
    answer.setdefault("description", DESCRIPTIONS.get(status, "Error."))
    content = answer.get("content") or {}
    json_content = content.get("application/json") or {}
    if not json_content.get("schema") or status == 422:
        answer["content"] = {"application/json": {"schema": ERROR_REF}}
    if status == 401:
        answer["headers"] = {"WWW-Authenticate": WWW_AUTHENTICATE}
    if status == 503:
        answer["headers"] = {"Retry-After": RETRY_AFTER}
    return answer


def complete_operation(operation: dict[str, Any], *, page_size_max: int) -> None:
    """Add the answers of the layers around the route to one operation (in place)."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters = operation.get("parameters") or []
    statuses: list[int] = [503]
    if operation.get("security"):
        statuses.append(401)
    if "requestBody" in operation:
        statuses += [400, 413]
    if parameters or "requestBody" in operation:
        statuses.append(422)
    for code in list(responses):
        if code.isdigit() and int(code) >= 400:
            statuses.append(int(code))
    for status in sorted(set(statuses)):
        responses[str(status)] = _error(status, responses.get(str(status)))
    for parameter in parameters:
        if parameter.get("name") == "page_size" and parameter.get("in") == "query":
            parameter.setdefault("schema", {})["maximum"] = page_size_max


def complete(schema: dict[str, Any], *, page_size_max: int) -> dict[str, Any]:
    """Every operation of ``schema`` completed (:func:`complete_operation`), in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    # FastAPI's own 422 shapes: no answer refers to them any more.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    for path in schema.get("paths", {}).values():
        for method in METHODS:
            if method in path:
                complete_operation(path[method], page_size_max=page_size_max)
    return schema


def install(app: FastAPI, *, page_size_max: int) -> None:
    """``app.openapi`` builds FastAPI's document once and completes it."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build(), page_size_max=page_size_max)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
