from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from tenancy.roles import url_objects

        # account_id and contact_id name the same objects in every app's URLs.
        url_objects("*", account_id="accounts.Account", contact_id="accounts.Contact")
        url_objects("accounts", team_member_id="accounts.AccountTeamMember",
                    financial_period_id="accounts.FinancialPeriod")
