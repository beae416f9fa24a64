"""Manager pages: a campaign from a template, its dashboard numbers, YAML errors by line."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import ADMIN_PASSWORD, TEST_SPEC, Api, login_page, new_context, unique

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(browser: Any, base_url: str) -> Any:
    ctx = new_context(browser, base_url, phone=False)
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))
    login_page(page, "admin", ADMIN_PASSWORD, path="/admin/")
    page.wait_for_selector("#new-campaign")
    yield page
    ctx.close()


def test_campaign_from_template_and_its_dashboard(desk: Any, admin: Api) -> None:
    page = desk
    name = unique("Cars ")
    page.click("#new-campaign")
    page.click("[data-template=vehicles]")
    page.fill("#campaign-name", name)
    page.fill("#campaign-countries", "KE, MX")
    page.fill("#campaign-pay", "0.30")
    page.fill("#campaign-target", "3")
    page.click("#create-from-template")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    campaign = next(c for c in admin.get("/campaigns") if c["name"] == name)
    assert campaign["status"] == "draft"
    assert campaign["template"] == "vehicles"
    assert campaign["spec"]["pay"]["amount"] in ("0.30", "0.3", 0.3)
    assert campaign["spec"]["constraints"]["geofence"]["countries"] == ["KE", "MX"]

    # Activate from the campaign list; the tasks (one per quota cell) appear.
    page.click("a[data-route='#/campaigns']")
    row = page.locator(f"tr[data-campaign='{campaign['id']}']")
    row.locator("[data-action=activate]").click()
    page.wait_for_selector(f"tr[data-campaign='{campaign['id']}'] [data-status=active]")
    row.locator("a:text-is('Dashboard')").click()
    page.wait_for_selector("#dashboard[data-loaded='1']")

    api = admin.get(f"/campaigns/{campaign['id']}/dashboard")
    cells = api["cells"]
    assert len(cells) > 1
    shown = page.locator("#panel-cells [data-target]")
    assert shown.count() == len(cells)
    shown_targets = sorted(
        int(x) for x in shown.evaluate_all("els => els.map(e => e.dataset.target)")
    )
    assert shown_targets == sorted(c["target"] for c in cells)
    for key in ("accepted", "needs_review", "rejected"):
        text = page.inner_text(f"#verdict-numbers [data-key={key}] .stat-value")
        assert int(text) == api["verdicts"][key]
    total = page.inner_text("#verdict-numbers [data-key=target] .stat-value").replace(",", "")
    assert int(total) == sum(c["target"] for c in cells)
    assert page.js_errors == []


def test_yaml_spec_errors_are_shown_at_their_line(desk: Any) -> None:
    page = desk
    page.click("#new-campaign")
    page.wait_for_selector("#spec-yaml")
    bad = "\n".join(
        [
            "spec_version: 1",
            "name: Broken",
            "category: vehicles",
            "task_type: detection",
            "quota:",
            "  target_per_cell: -4",
            "pay: {amount: '0.10', currency: usd}",
        ]
    )
    page.fill("#spec-yaml", bad)
    page.click("#validate-yaml")
    page.wait_for_selector("#spec-errors li")
    lines = page.locator("#spec-errors li").evaluate_all("els => els.map(e => e.dataset.line)")
    assert "6" in lines and "7" in lines, lines
    # Clicking an error selects that line in the editor.
    page.click("#spec-errors li[data-line='6']")
    selected = page.evaluate(
        "() => { const a = document.querySelector('#spec-yaml');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); }"
    )
    assert selected == "  target_per_cell: -4"
    assert page.js_errors == []


def test_yaml_campaign_created_then_draft_edited(desk: Any, admin: Api) -> None:
    page = desk
    name = unique("Shelves ")
    spec = TEST_SPEC.format(
        name=name,
        country="MX",
        consent="false",
        target=4,
        category="shelf_products",
        task_type="detection",
        extra="",
    )
    page.click("#new-campaign")
    page.fill("#spec-yaml", spec)
    page.click("#create-from-yaml")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    campaign = next(c for c in admin.get("/campaigns") if c["name"] == name)
    assert campaign["status"] == "draft"

    page.goto(f"{page.url.split('#')[0]}#/campaigns/{campaign['id']}/edit")
    page.wait_for_selector("#spec-yaml")
    text = page.input_value("#spec-yaml")
    page.fill("#spec-yaml", text.replace("target_per_cell: 4", "target_per_cell: -1"))
    page.click("#save-yaml")
    page.wait_for_selector("#spec-errors li")
    page.fill("#spec-yaml", text.replace("target_per_cell: 4", "target_per_cell: 9"))
    page.click("#save-yaml")
    page.wait_for_selector(".toast-ok:text-is('Saved.')")
    assert admin.get(f"/campaigns/{campaign['id']}")["spec"]["quota"]["target_per_cell"] == 9
    assert page.js_errors == []
