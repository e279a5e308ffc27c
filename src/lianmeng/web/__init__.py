"""The HTTP doors: app factory, shared dependencies, error rendering, console pages."""
