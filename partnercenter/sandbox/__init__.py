"""Partner Center sandbox: a local HTTP emulator of the Partner Center REST API and its Azure AD authority.

Run it with ``python -m partnercenter.sandbox``; tests use :class:`partnercenter.sandbox.testing.SandboxServer`.
"""

from partnercenter.sandbox.app import create_app
from partnercenter.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "DEFAULT_TENANT_ID", "create_app"]
