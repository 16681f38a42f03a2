"""Answerers: the offline extractive one, and a chat model through LangChain."""
