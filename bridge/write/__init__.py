"""Client writes (PUT/DELETE) translated into Google calls."""

from .writer import Writer

__all__ = ["Writer"]
