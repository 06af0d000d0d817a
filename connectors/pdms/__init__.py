"""Delivery targets for district PD and HR systems, each a package behind ``DeliveryAdapter``."""
