from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self):
        from tenancy.roles import url_objects

        url_objects("*", opportunity_id="plans.Opportunity", visit_id="plans.Visit")
        url_objects("plans", plan_id="plans.AccountPlan", action_id="plans.PlanAction", call_id="plans.CallReport")
