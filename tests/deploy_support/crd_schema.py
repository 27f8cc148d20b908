"""JSON schemas for custom resources, derived from their published CustomResourceDefinitions, so the rendered
Gateway API and controller objects are validated offline as strictly as the built-in kinds: unknown fields fail.

The schemas live in crd_schemas/<group>/<kind>_<version>.json (the layout kubeconform and check-jsonschema read).
To refresh them from a newer release of the CRDs:

    python -m tests.deploy_support.crd_schema --source "gateway-api v1.6.1, standard channel" CRD.yaml ...

What a JSON schema cannot carry: the CRDs' CEL rules (x-kubernetes-validations), which only the API server runs.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMAS = Path(__file__).resolve().parent / "crd_schemas"

Schema = dict[str, Any]

# What kustomize and the manifests put in metadata; anything else in metadata is a mistake.
_METADATA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 253},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def _strict(node: Any) -> Any:
    """OpenAPI v3 as the API server reads it -> JSON schema that refuses unknown fields, as the API server's
    strict field validation does (pruning would otherwise drop them silently)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items() if key != "description"}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserves = out.get("x-kubernetes-preserve-unknown-fields") is True
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out and not preserves:
        out["additionalProperties"] = False
    return out


def json_schema(crd: Schema, version: str, source: str) -> Schema:
    """The JSON schema of one served version of a CustomResourceDefinition."""
    spec = crd["spec"]
    (served,) = [v for v in spec["versions"] if v["name"] == version]
    schema = _strict(served["schema"]["openAPIV3Schema"])
    schema["properties"]["apiVersion"] = {"enum": [f"{spec['group']}/{version}"]}
    schema["properties"]["kind"] = {"enum": [spec["names"]["kind"]]}
    schema["properties"]["metadata"] = _METADATA
    schema["required"] = sorted({"apiVersion", "kind", "metadata", *schema.get("required", [])})
    schema["additionalProperties"] = False
    return {"$schema": "http://json-schema.org/draft-07/schema#", "$comment": f"From {source}", **schema}


def schema_path(api_version: str, kind: str) -> Path | None:
    """Where the schema of `kind` in `group/version` is vendored, or None for a group without vendored schemas."""
    group, _, version = api_version.rpartition("/")
    if not group or not (SCHEMAS / group).is_dir():
        return None
    return SCHEMAS / group / f"{kind.lower()}_{version}.json"


@functools.cache
def _validator(path: Path) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(path.read_text()))


def problems(obj: Schema, path: Path) -> list[str]:
    """Every way `obj` breaks the vendored schema at `path` (empty when it is valid)."""
    if not path.exists():
        return [f"no schema vendored for {obj.get('apiVersion')} {obj.get('kind')} ({path.relative_to(SCHEMAS)})"]
    errors = sorted(_validator(path).iter_errors(obj), key=lambda error: list(map(str, error.absolute_path)))
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="where the CRDs come from (release and channel)")
    parser.add_argument("--version", action="append", help="only these versions (default: every served one)")
    parser.add_argument("crds", nargs="+", type=Path)
    arguments = parser.parse_args()
    for path in arguments.crds:
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served") or (arguments.version and version["name"] not in arguments.version):
                    continue
                target = SCHEMAS / spec["group"] / f"{spec['names']['kind'].lower()}_{version['name']}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                schema = json_schema(crd, version["name"], arguments.source)
                target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
                sys.stdout.write(f"{target.relative_to(SCHEMAS)}\n")


if __name__ == "__main__":
    main()
