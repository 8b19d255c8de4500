"""Write services of the portal app (customers and subscriptions mirrors, registrations)."""
