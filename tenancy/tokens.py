"""Capability tokens: personal API tokens `ks_<tenant id>_<secret>`, invitation links `inv_<tenant id>_<secret>`
and calendar feeds `<tenant id>_<secret>` (no prefix: the feed URLs issued before keep their shape). The
tenant id says which tenant to open before the token is looked up, so the token tables stay under
row-level security like any other. Only the SHA-256 of the whole token is stored."""

import hashlib
import secrets
from dataclasses import dataclass

from django.utils import timezone

from tenancy.models import ApiToken

PREFIX = "ks"
INVITATION_PREFIX = "inv"
FEED_PREFIX = ""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token(tenant_id: int, *, prefix: str = PREFIX) -> str:
    head = f"{prefix}_" if prefix else ""
    return f"{head}{tenant_id}_{secrets.token_urlsafe(32)}"


def tenant_id_of(raw: str, *, prefix: str) -> int | None:
    """The tenant id a token of this shape names, or None when it is not one."""
    if prefix:
        given, _, raw = raw.partition("_")
        if given != prefix:
            return None
    tenant_part, _, secret = raw.partition("_")
    if not tenant_part.isdigit() or len(tenant_part) > 18 or len(secret) < 20:
        return None
    return int(tenant_part)


@dataclass(frozen=True)
class ParsedToken:
    raw: str
    tenant_id: int

    def lookup(self) -> ApiToken | None:
        """The active token with this value, in the open tenant scope; marks it used."""
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(self.raw), revoked_at__isnull=True)
            .first()
        )
        if token is not None:
            now = timezone.now()
            if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token


def token_from_header(header: str) -> ParsedToken | None:
    scheme, _, raw = header.partition(" ")
    if scheme.lower() not in {"bearer", "token"}:
        return None
    raw = raw.strip()
    tenant_id = tenant_id_of(raw, prefix=PREFIX)
    return None if tenant_id is None else ParsedToken(raw=raw, tenant_id=tenant_id)
