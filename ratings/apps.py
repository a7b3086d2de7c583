"""The ratings app. Its ready() is the ONE place ratings uses Django signals, and only to *queue* work.

Why signals here: the apps ratings reads (accounts, hierarchy, keyplayers, plans) sit below it and must
never import it, yet a change to an account's assessments, call reports, financials, opportunities or
key players should refresh that account's rating soon. We listen to post_save / post_delete of those
models (assessments included: hierarchy's assessment_recorded comes after commit, too late to record
the recompute in the write's own transaction). Each receiver only calls services.recompute_account_soon(),
which records one debounced recompute of that account in the outbox, in the same transaction, sent
after it commits — no business logic runs in a receiver, and a rolled-back change queues nothing.
"""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

WATCHED = (
    "accounts.Account",  # classification, potential level
    "accounts.FinancialPeriod",
    "plans.CallReport",
    "plans.Opportunity",
    "keyplayers.KeyPlayer",
    "hierarchy.Assessment",
)


def _queue(tenant_id, account_id) -> None:
    if tenant_id is None or account_id is None:
        return
    from ratings.services import recompute_account_soon

    recompute_account_soon(tenant_id=tenant_id, account_id=account_id)


def _row_changed(sender, instance, raw=False, **kwargs):
    if raw:  # fixtures / loaddata
        return
    if kwargs.get("signal") is post_delete and sender._meta.label == "accounts.Account":
        return  # the account is gone, and its ratings rows with it
    account_id = instance.pk if sender._meta.label == "accounts.Account" else getattr(instance, "account_id", None)
    _queue(instance.tenant_id, account_id)


def _hierarchy_model_switched(sender, instance, created=False, raw=False, **kwargs):
    """Another hierarchy model became active: levels and the level criteria's top changed for every account."""
    if raw or not created:
        return
    from ratings.services import recompute_tenant_soon

    recompute_tenant_soon(tenant_id=instance.tenant_id)


class RatingsConfig(AppConfig):
    name = "ratings"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = "ratings/"
    api = "ratings.api.register"
    dashboard = "ratings.dashboard.panels"
    demo = "ratings.demo.seed"
    nav = "ratings/_nav.html"
    account_page = "ratings.account_page"
    account_badge = "ratings.account_page.badge"

    def ready(self):
        from tenancy.roles import url_objects

        url_objects("ratings", policy_id="ratings.RatingPolicy")

        from django.apps import apps

        for label in WATCHED:
            model = apps.get_model(label)
            uid = f"ratings.recompute_soon.{label}"
            post_save.connect(_row_changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_row_changed, sender=model, dispatch_uid=f"{uid}.delete")
        post_save.connect(
            _hierarchy_model_switched,
            sender="hierarchy.HierarchyModelSwitch",
            dispatch_uid="ratings.recompute_soon.hierarchy_model_switch",
        )
