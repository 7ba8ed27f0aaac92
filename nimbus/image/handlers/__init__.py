"""Handlers of the image API, one module per resource."""
