from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = "accounts/"
    api = "accounts.api.register"
    dashboard = "accounts.dashboard.panels"
    demo = "accounts.demo.seed"
    nav = "accounts/_nav.html"

    def ready(self):
        from tenancy.roles import url_objects

        # account_id and contact_id name the same objects in every app's URLs.
        url_objects("*", account_id="accounts.Account", contact_id="accounts.Contact")
        url_objects(
            "accounts", team_member_id="accounts.AccountTeamMember", financial_period_id="accounts.FinancialPeriod"
        )
