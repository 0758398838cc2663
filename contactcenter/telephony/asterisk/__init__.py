"""Asterisk driver: provisioning, config rendering and the managed process."""
