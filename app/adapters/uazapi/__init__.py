"""Uazapi (uazapiGO v2): the webhook parser and, separately, the HTTP client."""
