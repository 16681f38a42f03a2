"""The ports: what the domain needs from the world, one small Protocol per idea."""
