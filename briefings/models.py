"""The delivery log of briefing e-mails: one row per (visit, recipient, visit version).

A row is created when a briefing, an update or a cancellation becomes due, claimed by the worker that
sends it (status `sending`, a claim token, a time), and marked `sent` once the SMTP server accepted the
message. The unique constraint makes "due" idempotent (two beat runs create one row); the claim is a
conditional UPDATE, so two workers never both send it; a claim left behind by a killed worker goes
stale and is claimed again after STALE_CLAIM (services.py).
"""

from django.conf import settings
from django.db import models

from tenancy.models import TenantModel


class DeliveryKind(models.TextChoices):
    BRIEFING = "briefing", "Briefing"
    UPDATE = "update", "Update"
    CANCELLATION = "cancellation", "Cancellation"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"
    SUPERSEDED = "superseded", "Replaced by a later version"


class BriefingDelivery(TenantModel):
    visit = models.ForeignKey("plans.Visit", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
    visit_sequence = models.PositiveIntegerField(
        help_text="The visit's revision (Visit.sequence) this e-mail describes."
    )
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When a failed send may be tried again.")
    sent_at = models.DateTimeField(null=True, blank=True)
    address = models.CharField(max_length=254, blank=True, help_text="Where it was sent.")
    message_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "briefing deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "visit", "recipient", "visit_sequence"], name="briefingdelivery_once_per_version"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "visit", "recipient"], name="briefdeliv_tenant_visit_idx"),
            models.Index(fields=["tenant", "status", "next_attempt_at"], name="briefdeliv_tenant_status_idx"),
            models.Index(fields=["tenant", "recipient"], name="briefdeliv_tenant_recip_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of visit {self.visit_id} to {self.recipient_id} (v{self.visit_sequence})"
