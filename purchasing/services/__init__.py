"""Purchasing write services: ``cart``, ``checkout``, ``orders``, ``entitlements``."""
