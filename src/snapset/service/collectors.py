"""Collector onboarding and verification.

A collector signs up (country, languages, phone model), uploads an identity document
and a selfie (both encrypted at rest, readable by admins only), and waits for an admin to
verify or reject them with a reason. Admins can suspend and reinstate. Accounts that reuse
another account's identity document (same plaintext sha256) or device id are flagged.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from snapset.service import audit, users
from snapset.service.auth import PasswordHasher
from snapset.service.crypto import SecretBox
from snapset.service.errors import Conflict, Invalid, NotFound
from snapset.store import BlobStore
from snapset.store.models import Collector, CollectorFlag, User
from snapset.store.types import utcnow

DOCUMENT_KINDS = ("identity", "selfie")
MAX_DOCUMENT_BYTES = 15 * 1024 * 1024
STATUSES = ("pending", "verified", "rejected", "suspended")

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_document_type(head: bytes) -> str | None:
    """Content type from the file's first bytes (never from the client's claim)."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if (
        len(head) >= 12
        and head[4:8] == b"ftyp"
        and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"avif"}
    ):
        return "image/heic"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _normalise_country(country: str) -> str:
    code = country.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise Invalid("invalid_country", f"{country!r} is not an ISO 3166 alpha-2 country code")
    return code


def signup(
    session: Session,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    country: str,
    languages: list[str],
    phone_model: str | None,
    device_id: str | None = None,
) -> Collector:
    code = _normalise_country(country)
    langs = [lang.strip()[:16] for lang in languages if lang.strip()][:10]
    user = users.create_user(
        session, hasher, username=username, password=password, role="collector", actor_id=None
    )
    collector = Collector(
        user_id=user.id,
        pseudonym="c-" + secrets.token_hex(5),
        country=code,
        languages=langs,
        phone_model=(phone_model or "").strip()[:128] or None,
        device_id=(device_id or "").strip()[:128] or None,
        status="pending",
    )
    session.add(collector)
    session.flush()
    if collector.device_id:
        _flag_matches(
            session, collector, "shared_device", Collector.device_id == collector.device_id
        )
    audit.record(
        session,
        actor_id=user.id,
        action="collector.signup",
        entity_type="collector",
        entity_id=user.id,
        after={"country": code, "languages": langs, "phone_model": collector.phone_model},
    )
    return collector


def find_collector(session: Session, user_id: int) -> Collector | None:
    """The collector profile of this user, if the user has one."""
    return session.get(Collector, user_id)


def get_collector(session: Session, user_id: int) -> Collector:
    collector = find_collector(session, user_id)
    if collector is None:
        raise NotFound("collector_not_found", f"no collector {user_id}")
    return collector


def list_collectors(session: Session, status: str | None = None) -> list[tuple[Collector, User]]:
    query = select(Collector, User).join(User, User.id == Collector.user_id).order_by(User.id)
    if status:
        query = query.where(Collector.status == status)
    return [(c, u) for c, u in session.execute(query).all()]


def _flag_matches(session: Session, collector: Collector, kind: str, condition: object) -> None:
    others = session.scalars(
        select(Collector.user_id).where(condition, Collector.user_id != collector.user_id)  # type: ignore[arg-type]
    ).all()
    for other in others:
        for a, b in ((collector.user_id, other), (other, collector.user_id)):
            exists = session.scalar(
                select(CollectorFlag.id).where(
                    CollectorFlag.collector_id == a,
                    CollectorFlag.kind == kind,
                    CollectorFlag.other_collector_id == b,
                )
            )
            if exists is None:
                session.add(CollectorFlag(collector_id=a, kind=kind, other_collector_id=b))
        audit.record(
            session,
            actor_id=None,
            action=f"collector.flag.{kind}",
            entity_type="collector",
            entity_id=collector.user_id,
            after={"other_collector_id": other},
        )


def flags_of(session: Session, collector_id: int) -> list[CollectorFlag]:
    return list(
        session.scalars(
            select(CollectorFlag)
            .where(CollectorFlag.collector_id == collector_id)
            .order_by(CollectorFlag.id)
        )
    )


def _purpose(collector_id: int, kind: str) -> str:
    return f"collector:{collector_id}:{kind}"


@dataclass(frozen=True)
class StoredDocument:
    kind: str
    content_type: str
    new_blob: str
    old_blob: str | None


def store_document(
    session: Session,
    blobs: BlobStore,
    box: SecretBox,
    collector: Collector,
    *,
    kind: str,
    path: Path,
    head: bytes,
) -> StoredDocument:
    """Encrypt and store an identity document or selfie (replacing an earlier one).

    The caller deletes `old_blob` after committing (or `new_blob` if the commit fails),
    so a failed commit neither loses the old document nor leaves an orphan.
    """
    if kind not in DOCUMENT_KINDS:
        raise Invalid("invalid_document_kind", f"kind must be one of {', '.join(DOCUMENT_KINDS)}")
    if collector.status == "suspended":
        raise Conflict("collector_suspended", "a suspended account cannot upload documents")
    content_type = sniff_document_type(head)
    if content_type is None or (kind == "selfie" and content_type == "application/pdf"):
        allowed = "JPEG, PNG, HEIC or WebP" + (" or PDF" if kind == "identity" else "")
        raise Invalid("unsupported_document_type", f"the {kind} must be a {allowed} file")
    plaintext = path.read_bytes()
    if not plaintext:
        raise Invalid("empty_file", "the file is empty")
    key = f"private/collectors/{collector.user_id}/{kind}-{uuid.uuid4().hex}"
    blobs.put_bytes(key, box.encrypt(plaintext, _purpose(collector.user_id, kind)))
    before = {"status": collector.status}
    if kind == "identity":
        old = collector.id_document_blob
        digest = hashlib.sha256(plaintext).hexdigest()
        collector.id_document_blob = key
        collector.id_document_sha256 = digest
        collector.id_document_content_type = content_type
        _flag_matches(
            session, collector, "shared_identity_document", Collector.id_document_sha256 == digest
        )
    else:
        old = collector.selfie_blob
        collector.selfie_blob = key
        collector.selfie_content_type = content_type
    if collector.id_document_blob and collector.selfie_blob:
        collector.submitted_at = utcnow()
    if collector.status == "rejected":
        collector.status = "pending"
        collector.status_reason = None
    audit.record(
        session,
        actor_id=collector.user_id,
        action=f"collector.document.{kind}",
        entity_type="collector",
        entity_id=collector.user_id,
        before=before,
        after={"status": collector.status, "content_type": content_type},
    )
    return StoredDocument(kind=kind, content_type=content_type, new_blob=key, old_blob=old)


def read_document(
    blobs: BlobStore, box: SecretBox, collector: Collector, kind: str
) -> tuple[bytes, str]:
    """Decrypted document bytes and content type (the API allows this for admins only)."""
    if kind == "identity":
        key, content_type = collector.id_document_blob, collector.id_document_content_type
    elif kind == "selfie":
        key, content_type = collector.selfie_blob, collector.selfie_content_type
    else:
        raise NotFound("document_not_found", f"no document {kind!r}")
    if not key:
        raise NotFound("document_not_found", f"collector {collector.user_id} has no {kind}")
    return box.decrypt(blobs.read_bytes(key), _purpose(collector.user_id, kind)), (
        content_type or "application/octet-stream"
    )


def documents_of(collector: Collector) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    if collector.id_document_blob:
        out.append(
            {
                "id": "identity",
                "kind": "identity",
                "content_type": collector.id_document_content_type,
            }
        )
    if collector.selfie_blob:
        out.append(
            {"id": "selfie", "kind": "selfie", "content_type": collector.selfie_content_type}
        )
    return out


def decide(
    session: Session,
    collector: Collector,
    *,
    action: str,
    reason: str | None,
    actor_id: int | None,
) -> Collector:
    """verify | reject | suspend | reinstate, with a reason (required except to verify)."""
    before = {"status": collector.status, "status_reason": collector.status_reason}
    reason = (reason or "").strip()[:2000] or None
    if action in {"reject", "suspend"} and not reason:
        raise Invalid("reason_required", f"give a reason to {action} a collector")
    if action == "verify":
        if not (collector.id_document_blob and collector.selfie_blob):
            raise Conflict(
                "documents_missing",
                "the collector has not uploaded an identity document and selfie",
            )
        if collector.status == "suspended":
            raise Conflict("collector_suspended", "reinstate a suspended collector instead")
        collector.status = "verified"
    elif action == "reject":
        if collector.status == "suspended":
            raise Conflict("collector_suspended", "the collector is suspended")
        collector.status = "rejected"
    elif action == "suspend":
        collector.status = "suspended"
    elif action == "reinstate":
        if collector.status != "suspended":
            raise Conflict("not_suspended", "only a suspended collector can be reinstated")
        collector.status = "verified"
    else:
        raise Invalid("invalid_action", "action must be verify, reject, suspend or reinstate")
    collector.status_reason = reason
    collector.reviewed_by = actor_id
    collector.reviewed_at = utcnow()
    audit.record(
        session,
        actor_id=actor_id,
        action=f"collector.{action}",
        entity_type="collector",
        entity_id=collector.user_id,
        before=before,
        after={"status": collector.status, "status_reason": reason},
    )
    return collector
