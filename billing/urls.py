from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
