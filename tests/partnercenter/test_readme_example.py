"""The README's client example runs as written against a sandbox (only the port differs)."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_buys_perpetual_software(sb):
    code = re.search(
        r"```python\n(from partnercenter import Client.*?)```", README.read_text(), re.S
    )
    assert code, "README lost its client example"
    source = code.group(1).replace("http://127.0.0.1:8765", sb.base_url)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(source, "README.md", "exec"), {})
    lines = output.getvalue().splitlines()
    assert any("SQL Server 2019" in line for line in lines)  # listed products
    order_line = lines[-1]
    assert order_line.split()[1] in {"pending", "completed"}  # an order came back from checkout
    assert sb.stats()["checkouts_per_cart"]
