"""``import partnercenter`` must not pull in Django."""

import subprocess
import sys


def test_import_partnercenter_imports_no_django():
    code = "import partnercenter, sys; assert not any(m.startswith('django') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
