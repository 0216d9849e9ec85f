"""gcaldav's engine: Google access, the local store, sync, translation, and the emulator.

Nothing here imports Radicale; ``radicale_plugin`` adapts this package to Radicale.
"""
