"""The API's error answers in its OpenAPI schema: every operation documents them.

drf-spectacular documents what a view declares; the answers every view can give (400 for a
bad query or body, 401 without valid credentials, 403 for a role that may not, 404 for a path
that names nothing) come from the framework and are added here, once, with their JSON shape.
"""

from __future__ import annotations

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A 400: each invalid field (or "non_field_errors" / "detail") with its messages.
FIELD_ERRORS = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
_METHODS = ("get", "put", "post", "patch", "delete")


def _response(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def document_error_answers(result, generator, request, public):
    """``POSTPROCESSING_HOOKS`` entry: 400/401/403/404 on every operation that can give them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ApiError", ERROR)
    schemas.setdefault("ApiFieldErrors", FIELD_ERRORS)
    for item in result.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            parameters = [*item.get("parameters", ()), *operation.get("parameters", ())]
            if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
                responses.setdefault("400", _response("Invalid input, by field.", "ApiFieldErrors"))
            responses.setdefault("401", _response("No valid credentials.", "ApiError"))
            responses.setdefault("403", _response("The role may not do this.", "ApiError"))
            if any(p.get("in") == "path" for p in parameters):
                responses.setdefault("404", _response("Not found.", "ApiError"))
    return result
