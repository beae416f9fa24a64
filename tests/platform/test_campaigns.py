"""Campaign specs, templates, validation with line numbers, versions and states."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from snapset.service.specs import SpecError, parse_spec_text
from snapset.service.templates import TEMPLATE_NAMES, spec_from_template
from snapset.store.models import AuditEvent
from tests.platform import photos
from tests.platform.conftest import Actors

SPEC_YAML = """\
name: Street signs in Nairobi
category: text_in_scenes
task_type: ocr
instructions: Photograph street signs you can read.
constraints:
  min_width: 1024
  min_height: 768
  formats: [JPEG]
  aspect_ratio: {min: 0.5, max: 2.0}
  max_file_mb: 10
  geofence:
    countries: [KE]
quota:
  target_per_cell: 5
  dimensions:
    - name: country
      values: [KE]
    - name: lighting
      values: [day, night]
  targets:
    - cell: {country: KE, lighting: night}
      target: 2
qc:
  thresholds: {blurry: 0.25}
pay: {amount: "0.20", currency: KES}
"""


def test_every_template_is_a_valid_spec() -> None:
    for name in TEMPLATE_NAMES:
        spec = spec_from_template(name)
        assert spec.template == name
        assert spec.quota.cells()
    assert spec_from_template("faces").consent.required is True


def test_spec_errors_point_at_yaml_lines() -> None:
    bad = SPEC_YAML.replace("min_width: 1024", "min_width: -5").replace(
        "blurry: 0.25", "blurriness: 0.25"
    )
    try:
        parse_spec_text(bad)
    except SpecError as exc:
        by_path = {e["path"]: e for e in exc.errors}
    else:
        raise AssertionError("spec should not validate")
    assert by_path["constraints.min_width"]["line"] == 6
    assert "blurriness" in by_path["qc.thresholds"]["message"]
    assert by_path["qc.thresholds"]["line"] == 24


def test_validate_endpoint(actors: Actors) -> None:
    admin = actors.admin()
    ok = admin.post("/api/v1/campaigns/validate", json={"spec_yaml": SPEC_YAML}).json()
    assert ok["ok"] is True and ok["cells"] == 2
    bad = admin.post("/api/v1/campaigns/validate", json={"spec_yaml": "name: [unclosed"}).json()
    assert bad["ok"] is False and bad["errors"][0]["line"] == 1


def test_create_activate_expands_quota_cells(actors: Actors) -> None:
    admin = actors.admin()
    r = admin.post("/api/v1/campaigns", json={"spec_yaml": SPEC_YAML})
    assert r.status_code == 201, r.text
    campaign = r.json()
    assert campaign["status"] == "draft" and campaign["spec_version"] == 1
    assert campaign["pay"] == {"amount": "0.20", "currency": "KES"}
    assert admin.get(f"/api/v1/campaigns/{campaign['id']}/tasks").json() == []
    r = admin.post(f"/api/v1/campaigns/{campaign['id']}/activate")
    assert r.status_code == 200 and r.json()["status"] == "active"
    tasks = admin.get(f"/api/v1/campaigns/{campaign['id']}/tasks").json()
    targets = {t["cell"]["lighting"]: (t["target"], t["country"]) for t in tasks}
    assert targets == {"day": (5, "KE"), "night": (2, "KE")}
    # Re-activating after a pause does not duplicate tasks.
    assert admin.post(f"/api/v1/campaigns/{campaign['id']}/pause").json()["status"] == "paused"
    assert admin.post(f"/api/v1/campaigns/{campaign['id']}/activate").status_code == 200
    assert len(admin.get(f"/api/v1/campaigns/{campaign['id']}/tasks").json()) == 2


def test_invalid_spec_is_422_with_errors(actors: Actors) -> None:
    r = actors.admin().post(
        "/api/v1/campaigns", json={"spec_yaml": SPEC_YAML.replace("task_type: ocr", "task_type: x")}
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_spec"
    assert detail["errors"][0]["path"] == "task_type" and detail["errors"][0]["line"] == 3


def test_template_with_overrides(actors: Actors) -> None:
    admin = actors.admin()
    templates = admin.get("/api/v1/templates").json()
    assert [t["name"] for t in templates] == list(TEMPLATE_NAMES)
    assert all(t["spec_yaml"] for t in templates)
    r = admin.post(
        "/api/v1/campaigns",
        json={
            "template": "vehicles",
            "name": "Matatus",
            "overrides": {"pay": {"amount": "0.15"}, "quota": {"target_per_cell": 7}},
        },
    )
    assert r.status_code == 201, r.text
    spec = r.json()["spec"]
    assert spec["name"] == "Matatus" and spec["template"] == "vehicles"
    assert spec["pay"] == {"amount": "0.15", "currency": "USD"}
    assert spec["quota"]["target_per_cell"] == 7
    assert len(spec["quota"]["dimensions"]) == 2  # nested mappings merge
    r = admin.post("/api/v1/campaigns", json={"template": "no_such"})
    assert r.status_code == 404 and r.json()["detail"]["code"] == "template_not_found"


def test_spec_versions_and_draft_only_edits(actors: Actors) -> None:
    admin = actors.admin()
    campaign = admin.post("/api/v1/campaigns", json={"spec_yaml": SPEC_YAML}).json()
    url = f"/api/v1/campaigns/{campaign['id']}"
    r = admin.put(
        url, json={"spec_yaml": SPEC_YAML.replace("target_per_cell: 5", "target_per_cell: 9")}
    )
    assert r.status_code == 200 and r.json()["spec_version"] == 2
    versions = admin.get(f"{url}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["spec"]["quota"]["target_per_cell"] == 5
    admin.post(f"{url}/activate")
    r = admin.put(url, json={"spec_yaml": SPEC_YAML})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "campaign_not_draft"


def test_state_transitions_are_checked_and_audited(actors: Actors) -> None:
    admin = actors.admin()
    campaign = actors.campaign(admin, activate=False)
    url = f"/api/v1/campaigns/{campaign['id']}"
    r = admin.post(f"{url}/pause")
    assert r.status_code == 409 and r.json()["detail"]["code"] == "invalid_state_transition"
    assert admin.post(f"{url}/activate").json()["status"] == "active"
    assert admin.post(f"{url}/close").json()["status"] == "closed"
    assert admin.post(f"{url}/activate").status_code == 409
    with actors.platform.sessions() as s:
        events = s.execute(
            select(AuditEvent.action, AuditEvent.before, AuditEvent.after).where(
                AuditEvent.entity_type == "campaign"
            )
        ).all()
    actions = [e.action for e in events]
    assert actions == ["campaign.create", "campaign.activate", "campaign.close"]
    assert events[2].before == {"state": "active"} and events[2].after == {"state": "closed"}


def test_campaign_roles(actors: Actors, client: TestClient) -> None:
    admin = actors.admin()
    campaign = actors.campaign(admin)
    reviewer = actors.user("reviewer")
    collector, _ = actors.collector()
    body = {"template": "faces"}
    assert reviewer.post("/api/v1/campaigns", json=body).status_code == 403
    assert collector.post("/api/v1/campaigns", json=body).status_code == 403
    assert collector.get("/api/v1/campaigns").status_code == 403
    assert client.get("/api/v1/campaigns").status_code == 401
    # A reviewer sees only campaigns they are assigned to.
    assert reviewer.get("/api/v1/campaigns").json() == []
    assert reviewer.get(f"/api/v1/campaigns/{campaign['id']}").status_code == 404
    assert reviewer.post(f"/api/v1/campaigns/{campaign['id']}/close").status_code == 403


def test_the_documented_example_spec_is_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "campaign-spec.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    spec = parse_spec_text(example)
    assert [t for _, t in spec.quota.cells()] == [50, 50, 50, 20]
    # the README shows the same full example; they must not drift apart
    assert "```yaml\n" + example + "```" in (root / "README.md").read_text()


def test_example_photos(actors: Actors) -> None:
    admin = actors.admin()
    campaign = actors.campaign(admin, activate=False)
    url = f"/api/v1/campaigns/{campaign['id']}/examples"
    photo = photos.jpeg(320, 240, seed=3)
    r = admin.post(
        url,
        data={"caption": "sharp sign", "good": "true"},
        files={"file": ("ex.jpg", photo, "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    example = r.json()
    assert example["caption"] == "sharp sign" and example["good"] is True
    r = admin.post(url, files={"file": ("ex.jpg", photos.PDF_BYTES, "image/jpeg")})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unsupported_format"
    admin.post(f"/api/v1/campaigns/{campaign['id']}/activate")
    collector, _ = actors.collector()
    task_id = collector.get("/api/v1/tasks").json()[0]["id"]
    examples = collector.get(f"/api/v1/tasks/{task_id}").json()["examples"]
    assert [e["url"] for e in examples] == [example["url"]]
    r = collector.get(example["url"])
    assert r.status_code == 200 and r.content == photo and r.headers["content-type"] == "image/jpeg"
    assert collector.get(f"{url}/{'0' * 64}.jpg").status_code == 404
    assert collector.get(f"{url}/..%2Fsecret.key").status_code == 404
    r = admin.post(url, files={"file": ("ex.jpg", photo, "image/jpeg")})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "campaign_not_draft"


def test_export_location_is_opt_in() -> None:
    assert spec_from_template("vehicles").export.include_location is False
    spec = parse_spec_text(SPEC_YAML + "export:\n  include_location: true\n")
    assert spec.export.include_location is True
    try:
        parse_spec_text(SPEC_YAML + "export:\n  include_gps: true\n")
    except SpecError as exc:
        assert any(e["path"].startswith("export") for e in exc.errors)
    else:
        raise AssertionError("an unknown export option must not validate")
