from django.urls import path

from purchasing import views

app_name = "purchasing"
urlpatterns = [
    path("cart/", views.carts, name="carts"),
    path("orders/", views.orders, name="orders"),
    path("entitlements/", views.entitlements, name="entitlements"),
]
