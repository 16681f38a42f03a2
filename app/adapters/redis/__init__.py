"""Redis adapters: the state two Kestra workers can race on, kept atomic with Lua scripts.

Keys are ``{namespace}:{chat key}:…`` where the chat key is ``instance/jid``: one deployment
may serve several WhatsApp numbers, and a contact has one buffer and one memory.
"""
