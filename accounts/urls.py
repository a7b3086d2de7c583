from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("export.csv", views.account_export, name="export"),
    path("new/", views.account_create, name="create"),
    path("picker/", views.account_picker, name="picker"),
    path("import/", views.import_upload, name="import"),
    path("import/sample.csv", views.import_sample, name="import_sample"),
    path("import/<slug:batch_key>/", views.import_preview, name="import_preview"),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/panels/<slug:section>/", views.account_panel, name="panel"),
    path("<int:account_id>/edit/", views.account_edit, name="edit"),
    path("<int:account_id>/delete/", views.account_delete, name="delete"),
    path("<int:account_id>/classify/", views.account_classify, name="classify"),
    path("<int:account_id>/contacts/", views.account_contacts, name="contacts"),
    path("<int:account_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:account_id>/team/", views.account_team, name="team"),
    path("<int:account_id>/financials/", views.account_financials, name="financials"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/leave/", views.contact_leave, name="contact_leave"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("team/<int:team_member_id>/role/", views.team_member_role, name="team_member_role"),
    path("team/<int:team_member_id>/remove/", views.team_member_remove, name="team_member_remove"),
    path("financials/<int:financial_period_id>/delete/", views.financial_period_delete, name="financial_period_delete"),
]
