"""Mounted at /survey/: the customer answers without logging in. The view opens the tenant's context
itself from the verified, signed token (there is no request.tenant here)."""

from django.urls import path

from hierarchy import views

app_name = "hierarchy_public"
urlpatterns = [
    path("<str:token>/", views.survey, name="survey"),
]
