"""The customers domain: customers and their Azure subscriptions mirrored from Partner Center, and
reservation registrations (models in ``portal.models``, tasks in ``portal.tasks``)."""
