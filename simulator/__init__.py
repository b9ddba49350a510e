"""A local stand-in for Microsoft's identity platform and Graph calendar API.

Runs as its own process (`python -m simulator`); the app reaches it only over HTTP, through
the same MSAL and requests code paths it uses for real Microsoft.
"""
