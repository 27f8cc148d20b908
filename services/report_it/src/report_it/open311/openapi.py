"""How the Open311 POSTs' form bodies read in OpenAPI (they are parsed by hand, so FastAPI cannot see them)."""

from __future__ import annotations


def _form(required: list[str], fields: dict[str, str]) -> dict:
    """The form body a POST reads (through `read_params`, so OpenAPI cannot see it by itself)."""
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    schema = {"type": "object", "required": required, "properties": properties}
    return {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


REQUEST_FORM = _form(
    ["api_key", "service_code", "lat", "long"],
    {
        "api_key": "Your API key (or in the query string)",
        "service_code": "A service_code from services.xml",
        "lat": "WGS84 latitude",
        "long": "WGS84 longitude",
        "address_string": "A description of the place",
        "attribute[code]": "An answer to the service's attribute `code`; attribute[code][] repeated for lists",
        "description": "What is wrong",
        "email": "The reporter's e-mail (never shown in GET)",
        "first_name": "The reporter's first name (never shown in GET)",
        "last_name": "The reporter's last name (never shown in GET)",
        "phone": "The reporter's phone (never shown in GET)",
        "device_id": "The client device's id (deviceid accepted too)",
        "account_id": "The reporter's account id in the client",
        "media_url": "A link to a photo; repeatable; never fetched by the server",
    },
)
UPDATE_FORM = _form(
    ["api_key", "service_request_id", "status"],
    {
        "api_key": "Your API key (or in the query string)",
        "service_request_id": "The request to update",
        "status": "OPEN, CLOSED or a FixMyStreet extended status (FIXED, IN_PROGRESS, ...)",
        "update_id": "Your id for this update: the same update_id twice is applied once",
        "updated_datetime": "When the update happened (W3C)",
        "description": "The public text of the update",
        "media_url": "A link to a photo; never fetched by the server",
    },
)


PREFIX = "/open311/v2/"

# The spec's `errors` document: in JSON a bare array; in XML <errors><error><code/><description/></error></errors>.
_ERRORS_JSON = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
_XML = {"type": "string", "description": "An Open311 XML document"}
_ERROR_STATUSES = {
    "400": "A parameter is missing or not valid (Open311 errors document)",
    "404": "Unknown service_code, service_request_id or token (Open311 errors document)",
    "default": "500: something went wrong on our side (Open311 errors document)",
}
_API_KEY_ERROR = "Missing or invalid api_key (Open311 errors document)"


def _both_formats(description: str, json_schema: dict) -> dict:
    # Which one comes back is chosen by the path's .xml or .json, not by Accept.
    content = {"text/xml": {"schema": _XML}, "application/json": {"schema": json_schema}}
    return {"description": description, "content": content}


def document_open311(spec: dict) -> None:
    """Open311 routes as they answer: XML or JSON by the path's suffix, and errors in Open311's own format."""
    for path, item in spec["paths"].items():
        if not path.startswith(PREFIX):
            continue
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "fmt" and parameter["in"] == "path":
                    parameter["schema"] = {"type": "string", "enum": ["xml", "json"], "title": "Format"}
            ok = operation["responses"].get("200", {}).get("description", "Successful Response")
            responses = {"200": _both_formats(ok, {})}
            for status, description in _ERROR_STATUSES.items():
                responses[status] = _both_formats(description, _ERRORS_JSON)
            if method == "post":
                responses["403"] = _both_formats(_API_KEY_ERROR, _ERRORS_JSON)
            operation["responses"] = responses
