"""The HTTP layer: routes, dependencies and request/response schemas."""
