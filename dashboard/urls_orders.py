from django.urls import path

from . import views_orders

urlpatterns = [
    path("orders/", views_orders.order_list, name="orders"),
    path("orders/<int:pk>/", views_orders.order_detail, name="order"),
    path("orders/<int:pk>/tracking/", views_orders.order_tracking, name="order_tracking"),
    path("orders/<int:pk>/cancel/", views_orders.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/process/", views_orders.order_process, name="order_process"),
]
