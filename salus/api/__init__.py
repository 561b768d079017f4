"""The REST API (``/api/v1``): FastAPI routers over the use cases, problem+json errors."""
