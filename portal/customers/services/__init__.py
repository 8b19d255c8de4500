"""Write services of the customers domain: customer and subscription sync, registrations, lookups by Partner Center id."""
