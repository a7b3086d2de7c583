"""Signals other apps may listen to (apps above hierarchy cannot be imported from here).

assessment_recorded(sender=Assessment, tenant_id, assessment_id, account_id): sent after the
transaction that recorded an assessment has committed (e.g. ratings debounces a recompute on it).
"""

from django.dispatch import Signal

assessment_recorded = Signal()
