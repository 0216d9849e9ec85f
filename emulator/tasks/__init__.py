"""The Google Tasks API v1 part of the emulator: task lists and tasks per account.

``store`` holds the data (on ``World.tasks``), ``fields`` validates bodies, ``render`` shapes
resources for the wire, ``tasklists``/``items``/``listing`` are the API handlers, ``api``
routes them, ``control`` and ``seed`` serve tests and the demo.
"""
