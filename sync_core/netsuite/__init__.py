"""The NetSuite side: the client (REST records, SuiteQL, the RESTlets) and portal links."""
