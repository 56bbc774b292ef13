"""Application-wide wiring: settings and how errors become HTTP answers."""
