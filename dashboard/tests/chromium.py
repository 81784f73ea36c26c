"""Debian's Chromium as the browser tests and bench/dashboard.py launch it.

Without the background-networking flags Chromium keeps calling out to Google's hosts, which
this machine's closed network refuses.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
