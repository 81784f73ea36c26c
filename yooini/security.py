"""The ``Content-Security-Policy`` header on every answer (Django 5.2 has no built-in one).

The policy is ``YOOINI_CONTENT_SECURITY_POLICY`` (settings); an empty value sends none. See
https://developer.mozilla.org/docs/Web/HTTP/CSP and Django's deployment checklist.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicy:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.YOOINI_CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
