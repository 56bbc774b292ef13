"""The clinic's own vocabulary: rules and errors that know nothing about HTTP."""
