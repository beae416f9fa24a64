"""Authentication: argon2id passwords, browser sessions with CSRF tokens, API tokens,
and a login rate limit. Secrets (session cookies, API tokens) are stored only as sha256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import argon2
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from snapset.service import audit
from snapset.service.errors import NotFound, RateLimited, Unauthorized
from snapset.store.models import ApiToken, LoginAttempt, Session, User
from snapset.store.types import utcnow

TOKEN_PREFIX = "snp_"


class PasswordHasher:
    """argon2id with configurable cost (lowered only by tests)."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4):
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        self._dummy = self._hasher.hash("snapset-timing-equaliser")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when it matches; hashes a dummy when there is no user (same timing)."""
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(
                password_hash
            )
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class LoginResult:
    user: User
    session_token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window_seconds: int = 300
    session_ttl_seconds: int = 14 * 24 * 3600


def _recent_failures(session: DbSession, since: datetime, username: str, ip: str | None) -> int:
    by_user = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username == username, LoginAttempt.attempted_at >= since)
    )
    by_ip = 0
    if ip:
        by_ip = (
            session.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.client_ip == ip, LoginAttempt.attempted_at >= since)
            )
            or 0
        )
        # An address may try several accounts (a shared NAT), but not unboundedly many.
        by_ip //= 4
    return max(by_user or 0, by_ip)


def login(
    session: DbSession,
    hasher: PasswordHasher,
    policy: LoginPolicy,
    *,
    username: str,
    password: str,
    client_ip: str | None,
    user_agent: str | None = None,
) -> LoginResult:
    """Check the password (rate-limited per username and address) and open a session."""
    now = utcnow()
    since = now - timedelta(seconds=policy.window_seconds)
    if _recent_failures(session, since, username, client_ip) >= policy.max_failures:
        raise RateLimited(
            "too_many_login_attempts",
            f"too many failed logins; try again in {policy.window_seconds // 60} minutes",
        )
    user = session.scalar(select(User).where(User.username == username))
    ok = hasher.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        session.add(LoginAttempt(username=username[:64], client_ip=client_ip, attempted_at=now))
        session.commit()
        raise Unauthorized("invalid_credentials", "wrong username or password")
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    user.last_login_at = now
    return open_session(session, user, policy, user_agent=user_agent)


def open_session(
    session: DbSession, user: User, policy: LoginPolicy, *, user_agent: str | None = None
) -> LoginResult:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=policy.session_ttl_seconds)
    session.add(
        Session(
            id=sha256_hex(token),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=expires,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    return LoginResult(user=user, session_token=token, csrf_token=csrf, expires_at=expires)


def session_user(session: DbSession, token: str) -> tuple[User, Session] | None:
    """The active user behind a session cookie, or None if unknown/expired/deactivated."""
    row = session.get(Session, sha256_hex(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


def close_session(session: DbSession, token: str) -> None:
    session.execute(delete(Session).where(Session.id == sha256_hex(token)))


def create_api_token(
    session: DbSession, user: User, name: str, *, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name[:128],
        token_hash=sha256_hex(plaintext),
        prefix=plaintext[:10],
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="api_token.create",
        entity_type="api_token",
        entity_id=row.id,
        after={"name": row.name, "prefix": row.prefix},
    )
    return row, plaintext


def token_user(session: DbSession, plaintext: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(plaintext)))
    now = utcnow()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now
        session.commit()
    return user


def list_api_tokens(session: DbSession, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def revoke_api_token(session: DbSession, user_id: int, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFound("token_not_found", f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor_id=user_id,
            action="api_token.revoke",
            entity_type="api_token",
            entity_id=row.id,
        )
    return row
