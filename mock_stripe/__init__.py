"""mock_stripe: a stateful mock of the Stripe API subset custsync uses (Flask + waitress)."""

from .app import create_app
from .server import RunningServer, serve_in_thread

__all__ = ["RunningServer", "create_app", "serve_in_thread"]
