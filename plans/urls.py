from django.urls import path

from plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:plan_id>/archive/", views.plan_archive, name="plan_archive"),
    path("<int:plan_id>/actions/", views.action_create, name="action_create"),
    path("<int:plan_id>/issues/", views.issue_create, name="issue_create"),
    path("issues/<int:issue_id>/remove/", views.issue_remove, name="issue_remove"),
    path("mentions/seen/", views.mentions_seen, name="mentions_seen"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:action_id>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:action_id>/status/", views.action_status, name="action_status"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:opportunity_id>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:opportunity_id>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:opportunity_id>/notes/", views.opportunity_note_add, name="opportunity_note_add"),
    path(
        "opportunities/<int:opportunity_id>/key-players/",
        views.opportunity_key_player_add,
        name="opportunity_key_player_add",
    ),
    path(
        "opportunities/<int:opportunity_id>/key-players/<int:key_player_id>/remove/",
        views.opportunity_key_player_remove,
        name="opportunity_key_player_remove",
    ),
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:call_id>/", views.call_detail, name="call_detail"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feeds/", views.calendar_feeds, name="calendar_feeds"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:visit_id>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:visit_id>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("account/<int:account_id>/", views.account, name="account"),
]
