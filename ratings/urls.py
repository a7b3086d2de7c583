from django.urls import path

from ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.home, name="home"),
    path("recompute/", views.recompute, name="recompute"),
    path("accounts/<int:account_id>/", views.account, name="account"),
    path("accounts/<int:account_id>/badge/", views.badge, name="badge"),
    path("accounts/<int:account_id>/override/", views.override, name="override"),
    path("accounts/<int:account_id>/override/clear/", views.override_clear, name="override_clear"),
    path("policies/", views.policies, name="policies"),
    path("policies/draft/", views.policy_edit, name="policy_edit"),
    path("policies/<int:policy_id>/", views.policy, name="policy"),
    path("policies/<int:policy_id>/preview/", views.policy_preview, name="policy_preview"),
    path("policies/<int:policy_id>/activate/", views.policy_activate, name="policy_activate"),
    path("policies/<int:policy_id>/discard/", views.policy_discard, name="policy_discard"),
    path("due/", views.due, name="due"),
    path("declassification/", views.declassification, name="declassification"),
    path("declassification/<int:account_id>/", views.declassification_review, name="declassification_review"),
]
