"""Pure conversation logic: no I/O, no third-party imports beyond the standard library."""
