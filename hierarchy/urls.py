from django.urls import path

from hierarchy import views

app_name = "hierarchy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("accounts/<int:account_id>/", views.account, name="account"),
    path("accounts/<int:account_id>/relationships/new/", views.relationship_new, name="relationship_new"),
    path("relationships/<int:relationship_id>/", views.relationship, name="relationship"),
    path("relationships/<int:relationship_id>/assess/", views.assess, name="assess"),
    path("relationships/<int:relationship_id>/owner/", views.relationship_owner, name="relationship_owner"),
    path("relationships/<int:relationship_id>/survey/", views.survey_send, name="survey_send"),
    path("survey-invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/levels/<int:level_id>/", views.level_edit, name="level_edit"),
]
