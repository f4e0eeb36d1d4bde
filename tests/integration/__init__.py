"""The SDK and the sandbox, together over loopback."""
