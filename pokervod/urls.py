from django.urls import path

from . import views

app_name = "pokervod"
urlpatterns = [
    path("pokervod/", views.catalog_home, name="home"),
    path("pokervod/episodes/", views.episode_list, name="episodes"),
    path("pokervod/clips/", views.clip_list, name="clips"),
]
