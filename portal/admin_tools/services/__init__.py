"""Write services of the admin tools: staff accounts and run-time portal settings."""
