"""The CRM as a library."""
