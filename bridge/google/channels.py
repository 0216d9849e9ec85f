"""Push channels (Calendar API ``channels``)."""

from __future__ import annotations

from .client import GoogleClient


def stop(client: GoogleClient, channel_id: str, resource_id: str) -> None:
    """Stop a push channel; ``errors.NotFound`` if Google no longer knows it."""
    client.call(lambda service: service.channels().stop(
        body={"id": channel_id, "resourceId": resource_id}))
