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
