"""Helpers every app uses: roles and access, errors, money and date formats, audit, progress of
jobs, the task queue, the mirror rule, tables, CSV exports, query parameters, redirects, charts,
navigation and the dashboard panel registry."""
