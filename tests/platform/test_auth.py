"""Login, sessions with CSRF, API tokens, roles and the login rate limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from snapset.config import Settings
from snapset.service import users
from snapset.store.models import ApiToken, AuditEvent, User
from tests.platform.conftest import TEST_PASSWORD, Actors


def test_login_sets_cookies_and_me_works(actors: Actors, client: TestClient) -> None:
    actors.create_user("reviewer", "rita")
    r = client.post("/api/v1/auth/login", json={"username": "rita", "password": TEST_PASSWORD})
    assert r.status_code == 200
    assert r.json()["role"] == "reviewer"
    set_cookie = " ".join(r.headers.get_list("set-cookie"))
    assert "snapset_session=" in set_cookie and "HttpOnly" in set_cookie
    assert "snapset_csrf=" in set_cookie
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "rita"


def test_wrong_password_and_unknown_user_look_the_same(actors: Actors, client: TestClient) -> None:
    actors.create_user("admin", "boss")
    a = client.post("/api/v1/auth/login", json={"username": "boss", "password": "nope-nope"})
    b = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert a.json()["detail"]["code"] == "invalid_credentials"


def test_passwords_are_argon2_hashed(actors: Actors) -> None:
    user = actors.create_user("annotator")
    with actors.platform.sessions() as s:
        stored = s.get(User, user.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert TEST_PASSWORD not in stored.password_hash


def test_unsafe_cookie_request_needs_csrf_header(actors: Actors) -> None:
    c = actors.user("admin")
    body = {"username": "newbie", "password": TEST_PASSWORD, "role": "reviewer"}
    token = c.headers.pop("X-CSRF-Token")
    r = c.post("/api/v1/users", json=body)
    assert r.status_code == 403 and r.json()["detail"]["code"] == "csrf_failed"
    r = c.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = c.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    # Safe methods need no token.
    assert c.get("/api/v1/users").status_code == 200


def test_logout_ends_the_session(actors: Actors) -> None:
    c = actors.user("reviewer")
    assert c.post("/api/v1/auth/logout").status_code == 204
    assert c.get("/api/v1/me").status_code == 401


def test_api_token_shown_once_stored_hashed_and_revocable(
    actors: Actors, client: TestClient
) -> None:
    c = actors.user("admin")
    r = c.post("/api/v1/me/tokens", json={"name": "ci script"})
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("snp_")
    listed = c.get("/api/v1/me/tokens").json()
    assert "token" not in listed[0] and listed[0]["prefix"] == token[:10]
    with actors.platform.sessions() as s:
        hashes = list(s.scalars(select(ApiToken.token_hash)))
    assert token not in hashes
    bearer = {"Authorization": f"Bearer {token}"}
    # Bearer-authenticated scripts need no CSRF header.
    r = client.post(
        "/api/v1/users",
        json={"username": "scripted", "password": TEST_PASSWORD, "role": "annotator"},
        headers=bearer,
    )
    assert r.status_code == 201, r.text
    assert c.delete(f"/api/v1/me/tokens/{listed[0]['id']}").status_code == 200
    r = client.get("/api/v1/me", headers=bearer)
    assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_token"


def test_roles_are_enforced(actors: Actors) -> None:
    for role in ("reviewer", "annotator", "collector"):
        c = actors.user(role)
        r = c.get("/api/v1/users")
        assert r.status_code == 403, role
        assert r.json()["detail"]["code"] == "forbidden"
    assert actors.user("admin").get("/api/v1/users").status_code == 200


def test_anonymous_gets_401(client: TestClient) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json() == {
        "detail": {"code": "not_authenticated", "message": "log in or send an API token"}
    }


def test_login_rate_limit(actors: Actors, client: TestClient) -> None:
    actors.create_user("collector", "carol")
    for _ in range(actors.platform.settings.login_max_failures):
        r = client.post("/api/v1/auth/login", json={"username": "carol", "password": "bad-guess"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": "carol", "password": TEST_PASSWORD})
    assert r.status_code == 429
    assert r.json()["detail"]["code"] == "too_many_login_attempts"
    assert "retry-after" in r.headers


def test_deactivated_user_is_locked_out(actors: Actors) -> None:
    admin = actors.admin()
    user = actors.create_user("reviewer")
    c = actors.login(user.username)
    r = admin.patch(f"/api/v1/users/{user.id}", json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert c.get("/api/v1/me").status_code == 401
    with actors.platform.sessions() as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"user.create", "user.update"} <= actions


def test_validation_errors_use_the_error_shape(actors: Actors) -> None:
    r = actors.admin().post("/api/v1/users", json={"username": "x"})
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "invalid_request"
    r = actors.admin().post(
        "/api/v1/users", json={"username": "ok_name", "password": "short", "role": "admin"}
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "weak_password"


def test_first_start_admin(
    actors: Actors, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNAPSET_ADMIN_PASSWORD", "chosen admin password")
    chosen = Settings.from_env().admin_password
    platform = actors.platform
    with platform.sessions() as s:
        admin, generated = users.ensure_admin(s, platform.hasher, chosen)
        s.commit()
        assert admin.username == "admin" and generated is None
        again, generated_again = users.ensure_admin(s, platform.hasher, None)
        assert again.id == admin.id and generated_again is None
    r = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": "chosen admin password"}
    )
    assert r.status_code == 200 and r.json()["role"] == "admin"


def test_security_headers_on_api_answers(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
