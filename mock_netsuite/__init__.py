"""A mock of NetSuite's SuiteTalk REST service (record, SuiteQL) and the custsync RESTlet, for custsync's testbed."""
from .app import create_app
from .server import RunningServer, serve_in_thread

__all__ = ["RunningServer", "create_app", "serve_in_thread"]
