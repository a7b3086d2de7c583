"""Public, token-addressed calendar feeds (no login), mounted at /calendar/."""

from django.urls import path

from plans import views

app_name = "plans_public"
urlpatterns = [
    path("<str:token>.ics", views.calendar_feed, name="feed"),
]
