"""Write services of the project pages: a staff member's own preferences."""
