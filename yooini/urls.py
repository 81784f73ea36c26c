from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("yooini.api_urls")),
    path("", include("monitoring.urls")),
    path("", include("suppliers.urls")),
    path("", include("markets.urls")),
    path("", include("pokervod.urls")),
    path("", include("dashboard.urls")),
    path("", include("analytics.urls")),
]

handler400 = "yooini.errors.bad_request"
handler403 = "yooini.errors.permission_denied"
handler404 = "yooini.errors.not_found"
handler500 = "yooini.errors.server_error"
