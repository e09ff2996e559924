"""The web front door: FastAPI app, JSON API under /api/v1 and server-rendered pages."""
