from django.urls import path

from . import views_orders

urlpatterns = [
    path("orders/", views_orders.order_list, name="orders"),
    path("orders/<int:pk>/", views_orders.order_detail, name="order"),
    path("orders/<int:pk>/tracking/", views_orders.order_tracking, name="order_tracking"),
]
