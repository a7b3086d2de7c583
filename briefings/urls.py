from django.urls import path

from briefings import views

app_name = "briefings"
urlpatterns = [
    path("", views.my_visits, name="mine"),
    path("visits/<int:visit_id>/", views.briefing, name="briefing"),
    path("visits/<int:visit_id>/print/", views.briefing_print, name="print"),
    path("visits/<int:visit_id>/pdf/", views.briefing_pdf, name="pdf"),
]
