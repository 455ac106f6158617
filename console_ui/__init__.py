"""console_ui."""
