"""Signals other apps may listen to (apps above hierarchy cannot be imported from here).

assessment_recorded(sender=Assessment, tenant_id, assessment_id, account_id): sent after the
transaction that recorded an assessment has committed. Work that must not be lost is better recorded
inside that transaction (tenancy.outbox.enqueue_on_commit from a post_save receiver, as ratings does).
"""

from django.dispatch import Signal

assessment_recorded = Signal()
