"""What key players contribute to the account page (accounts.sections)."""

from django.template.loader import render_to_string

from keyplayers.selectors import account_panel

TAB = ("Key players", "keyplayers:board")


def panel(request, account) -> str:
    """Coverage flags and the level by buying role."""
    return render_to_string("keyplayers/_account_panel.html", account_panel(account=account), request=request)
