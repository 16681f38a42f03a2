"""Conversa: a WhatsApp AI assistant backend executed as one-shot Kestra jobs."""

__version__ = "0.1.0"
