def register(router):
    """Adds this app's viewsets to the /api/v1/ router."""
