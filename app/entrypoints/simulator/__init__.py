"""The offline simulator: a WhatsApp chat in the terminal, driving the real use cases."""
