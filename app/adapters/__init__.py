"""Adapters: one package per technology, each translating a port to the outside world."""
