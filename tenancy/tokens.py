"""Personal API tokens: `ks_<tenant id>_<secret>`. The tenant id tells the middleware which tenant to
open before it looks the token up, so the token table stays under row-level security like any other.
Only the SHA-256 of the whole token is stored."""

import hashlib
import secrets
from dataclasses import dataclass

from django.utils import timezone

from tenancy.models import ApiToken

PREFIX = "ks"
INVITATION_PREFIX = "inv"  # the same shape for invitation links: inv_<tenant id>_<secret>


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token(tenant_id: int, *, prefix: str = PREFIX) -> str:
    return f"{prefix}_{tenant_id}_{secrets.token_urlsafe(32)}"


def tenant_id_of(raw: str, *, prefix: str) -> int | None:
    """The tenant id a token of this shape names, or None when it is not one."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != prefix or not parts[1].isdigit() or len(parts[2]) < 20 or len(parts[1]) > 18:
        return None
    return int(parts[1])


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
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit() or len(parts[2]) < 20:
        return None
    return ParsedToken(raw=raw, tenant_id=int(parts[1]))
