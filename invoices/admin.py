"""Admin pages arrive with this app's issue."""
