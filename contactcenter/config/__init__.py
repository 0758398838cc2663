"""Settings and config files whose errors name file, line and field."""
