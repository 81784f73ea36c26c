"""Throttling of failed sign-ins (django-axes) for the web's sign-in forms only.

Axes refuses to authenticate without a request; code that checks a password itself (a
command, a test) is not a sign-in from the network and is left to the next backend.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class SignInThrottle(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
