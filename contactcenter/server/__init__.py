"""The serve process: wiring, its background tasks, its state folder, what it refuses to expose."""
