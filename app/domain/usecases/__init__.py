"""The use cases: receive a webhook, process a chat, sweep what was left behind."""
