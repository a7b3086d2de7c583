from accounts import selectors


def panels(request) -> list[dict]:
    """Dashboard panel "My accounts": the ones the user owns or is on the team of (two queries)."""
    return [{"template": "accounts/_panel.html", **selectors.my_accounts_summary(user=request.user)}]
