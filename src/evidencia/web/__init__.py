"""The web application and the REST API (``evidencia serve``): see ``app.create_app``."""

from evidencia.web.app import create_app

__all__ = ["create_app"]
