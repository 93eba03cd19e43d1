"""Gateway tokens (采集网关令牌): issued by a person, shown once, stored as a SHA-256 digest only.

A gateway posts readings over HTTP with `Authorization: Gateway <token>` (api_ingest.py). Issuing a new
token replaces the old one at once (the old stops working), and is an audit entry of its own (签发令牌),
without the token or its digest in the trail."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry
from yingji.core.scoping import require_region
from yingji.core.services import require_perm

from ..models import Gateway

TOKEN_BYTES = 32  # 43 URL-safe characters
MAX_TOKEN_LENGTH = 128  # anything longer is not one of ours: refused before hashing


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_token(actor, gateway: Gateway) -> str:
    """A new token for `gateway` (the previous one stops working). Returns the token: it is shown to the person
    once and never stored. Needs change_gateway on a gateway of the actor's region (an enterprise account: its
    own enterprise's); an inactive gateway gets none."""
    require_perm(actor, "monitoring.change_gateway")
    stored = Gateway.objects.select_for_update(of=("self",)).select_related("region", "enterprise").get(pk=gateway.pk)
    require_region(actor, stored.region)
    if stored.enterprise is not None:
        from yingji.safety.services import require_enterprise

        require_enterprise(actor, stored.enterprise)
    if not stored.is_active:
        raise ValidationError({"is_active": [f"网关“{stored.code}”已停用：请先启用，再签发令牌。"]})
    token = secrets.token_urlsafe(TOKEN_BYTES)
    before = stored.token_issued_at
    stored.token_hash = token_digest(token)
    stored.token_issued_at = timezone.now()
    stored.save(update_fields=["token_hash", "token_issued_at", "updated_at"])
    audit.record(actor, AuditEntry.TOKEN, stored, {
        "token_issued_at": [before.isoformat() if before else None, stored.token_issued_at.isoformat()],
        "说明": [None, "签发新令牌（旧令牌即时失效）"],
    })
    gateway.token_hash, gateway.token_issued_at = stored.token_hash, stored.token_issued_at
    return token


def holder_of(token: str | None) -> Gateway | None:
    """The gateway holding `token`, active or not (the API tells an inactive gateway apart), or None."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    return Gateway.objects.filter(token_hash=token_digest(token)).select_related("region").first()


def gateway_for_token(token: str | None) -> Gateway | None:
    """The active gateway holding `token`, or None (no such token, a replaced one, or an inactive gateway)."""
    gateway = holder_of(token)
    return gateway if gateway is not None and gateway.is_active else None
