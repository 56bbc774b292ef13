"""Application-wide wiring: settings, tokens, and how errors become HTTP answers."""
