"""Workflows that wire the apps together (suppliers -> source data -> ...), one module each.

Each module declares its workflow at import; the ones that ship with the project are listed
in ``YOOINI_BUILTIN_WORKFLOW_MODULES``.
"""
