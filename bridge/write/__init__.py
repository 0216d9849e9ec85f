"""Client writes (PUT/DELETE) translated into Google calls."""

from .errors import WriteError
from .writer import Writer

__all__ = ["WriteError", "Writer"]
