"""Admin tools: the audit log, the Partner Center connection page, portal settings, staff accounts."""
