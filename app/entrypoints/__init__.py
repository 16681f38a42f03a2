"""Thin one-shot commands: parse arguments, build the container, run one use case, report."""
