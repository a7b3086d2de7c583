from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = "plans/"
    public_urls = "calendar/"
    api = "plans.api.register"
    dashboard = "plans.dashboard.panels"
    demo = "plans.demo.seed"
    nav = "plans/_nav.html"
    account_page = "plans.account_page"

    def ready(self):
        from tenancy.roles import url_objects

        url_objects("*", opportunity_id="plans.Opportunity", visit_id="plans.Visit")
        url_objects("plans", plan_id="plans.AccountPlan", action_id="plans.PlanAction", call_id="plans.CallReport")
