from hierarchy import selectors


def panels(request) -> list[dict]:
    """Dashboard panel: open hierarchy alerts (level drops, high-level contacts who left)."""
    alerts = selectors.open_alerts(limit=5)
    return [
        {
            "template": "hierarchy/_panel.html",
            "alerts": alerts,
            "count": selectors.open_alert_count() if len(alerts) == 5 else len(alerts),
        }
    ]
