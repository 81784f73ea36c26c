"""The registry entry: the connector side loads without Django."""

from __future__ import annotations

import subprocess
import sys


def test_the_connector_side_imports_no_django():
    code = (
        "import sys, markets.coupang.market, markets.coupang.testing;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
