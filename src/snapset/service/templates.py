"""The five built-in campaign templates (YAML files in `service/templates/`)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from snapset.service.errors import NotFound
from snapset.service.specs import CampaignSpec, SpecError, deep_merge, validate_spec

TEMPLATE_NAMES = ("text_in_scenes", "faces", "vehicles", "shelf_products", "road_and_street")


@cache
def template_text(name: str) -> str:
    if name not in TEMPLATE_NAMES:
        raise NotFound(
            "template_not_found", f"no template {name!r}; known: {', '.join(TEMPLATE_NAMES)}"
        )
    return resources.files("snapset.service").joinpath(f"templates/{name}.yaml").read_text("utf-8")


def template_data(name: str) -> dict[str, Any]:
    data = yaml.safe_load(template_text(name))
    assert isinstance(data, dict)
    return data


def list_templates() -> list[dict[str, Any]]:
    out = []
    for name in TEMPLATE_NAMES:
        spec = validate_spec(template_data(name))
        out.append(
            {
                "name": name,
                "title": spec.name,
                "description": spec.description,
                "category": spec.category,
                "task_type": spec.task_type,
                "consent_required": spec.consent.required,
                "spec": spec.to_json(),
                "spec_yaml": template_text(name),
            }
        )
    return out


def spec_from_template(
    name: str, overrides: dict[str, Any] | None = None, *, campaign_name: str | None = None
) -> CampaignSpec:
    """A template with overrides deep-merged in (nested mappings merge, lists replace)."""
    data = deep_merge(template_data(name), overrides or {})
    data["template"] = name
    if campaign_name:
        data["name"] = campaign_name
    try:
        return validate_spec(data)
    except SpecError:
        raise
