"""物业客服 PropDesk: the day of a property company's customer-service department."""

from webapp.app import create_app

__all__ = ["create_app"]
