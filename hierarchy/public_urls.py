from django.urls import path  # noqa: F401

app_name = "hierarchy_public"
urlpatterns: list = []
