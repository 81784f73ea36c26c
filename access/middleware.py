"""Sign-in required everywhere, except what is marked ``login_not_required`` and the REST API.

The API authenticates by token or session itself and answers 401/403 in JSON; a redirect to
the login page would be wrong for a script.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequired(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
