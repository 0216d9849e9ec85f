"""A wire-level emulator of the Google Calendar API v3 (see README.md in this folder).

Self-contained: imports nothing of gcaldav's other packages.
"""

from .app import Emulator
from .server import EmulatorServer

__all__ = ["Emulator", "EmulatorServer"]
