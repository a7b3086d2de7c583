"""Mounted at /t/<tenant_slug>/key-players/."""

from django.urls import path

from keyplayers import views

app_name = "keyplayers"
urlpatterns = [
    path("", views.key_player_list, name="list"),
    path("boards/", views.boards, name="boards"),
    path("accounts/<int:account_id>/", views.board, name="board"),
    path("accounts/<int:account_id>/add/", views.key_player_add, name="add"),
    path("accounts/<int:account_id>/panel/", views.account_panel, name="account_panel"),
    path("<int:key_player_id>/edit/", views.key_player_edit, name="edit"),
    path("<int:key_player_id>/stage/", views.key_player_stage, name="stage"),
    path("<int:key_player_id>/stance/", views.key_player_stance, name="stance"),
    path("<int:key_player_id>/remove/", views.key_player_remove, name="remove"),
    path("<int:key_player_id>/concerns/", views.concern_add, name="concern_add"),
    path("concerns/<int:concern_id>/answer/", views.concern_answer, name="concern_answer"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/minimum-levels/", views.coverage_thresholds, name="thresholds"),
    path("guidance/", views.guidance, name="guidance"),
    path("guidance/edit/", views.guidance_edit, name="guidance_edit"),
    path("guidance/reset/", views.guidance_reset, name="guidance_reset"),
]
