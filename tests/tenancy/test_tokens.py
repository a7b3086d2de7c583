"""tenancy.tokens: one capability-token helper for API tokens, invitation links and calendar feeds."""

from tenancy.tokens import FEED_PREFIX, INVITATION_PREFIX, PREFIX, generate_token, tenant_id_of, token_from_header


def test_each_kind_names_its_tenant_and_no_other_kind():
    for prefix in (PREFIX, INVITATION_PREFIX):
        raw = generate_token(42, prefix=prefix)
        assert raw.startswith(f"{prefix}_42_")
        assert tenant_id_of(raw, prefix=prefix) == 42
        assert tenant_id_of(raw, prefix=FEED_PREFIX) is None
    feed = generate_token(42, prefix=FEED_PREFIX)
    assert tenant_id_of(feed, prefix=FEED_PREFIX) == 42
    assert tenant_id_of(feed, prefix=PREFIX) is None


def test_a_feed_url_issued_before_keeps_its_shape():
    issued_before = "7_" + "x_y-z" * 8  # <tenant id>_<token_urlsafe secret>, as plans issued them
    assert tenant_id_of(issued_before, prefix=FEED_PREFIX) == 7


def test_malformed_tokens_name_no_tenant():
    for raw in ("", "7_short", "x_" + "s" * 30, "1" * 19 + "_" + "s" * 30, "ks_7_short"):
        assert tenant_id_of(raw, prefix=FEED_PREFIX) is None
        assert tenant_id_of(raw, prefix=PREFIX) is None
    assert token_from_header("Bearer ks_7_" + "s" * 40).tenant_id == 7
    assert token_from_header("Bearer inv_7_" + "s" * 40) is None
