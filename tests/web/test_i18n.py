"""Language: follows the browser, can be switched, is remembered, covers server codes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import new_context

pytestmark = pytest.mark.browser


def test_language_follows_browser_and_switch_is_remembered(browser: Any, base_url: str) -> None:
    ctx = new_context(browser, base_url, locale="es-MX")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/app/#/login")
    page.wait_for_selector("#login-form")
    assert page.inner_text("#login-form h1") == "Iniciar sesión"
    assert page.get_attribute("html", "lang") == "es"

    page.select_option("#lang", "zh")
    page.wait_for_function("document.querySelector('#login-form h1').textContent === '登录'")
    assert page.inner_text("#login-form button[type=submit]") == "登录"

    page.reload()
    page.wait_for_selector("#login-form")
    assert page.inner_text("#login-form h1") == "登录", "the chosen language is remembered"

    # A server error code is shown translated: a wrong password in Chinese.
    page.fill("#login-form input[name=username]", "nobody-here")
    page.fill("#login-form input[name=password]", "wrong-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-form .error-box:not([hidden])")
    assert page.inner_text("#login-form .error-box") == "用户名或密码错误。"
    assert errors == []
    ctx.close()


def test_english_for_unknown_browser_language(browser: Any, base_url: str) -> None:
    ctx = new_context(browser, base_url, locale="sw-KE")
    page = ctx.new_page()
    page.goto("/app/#/signup")
    page.wait_for_selector("#signup-form")
    assert page.inner_text("#signup-form h1") == "Become a collector"
    ctx.close()
