"""The application shell: app factory, CLI and demo wiring, above every domain.

It assembles the core (`dispatch`) and the domains built on it (`sla`, `classifiers`,
`channels`, `console_ui`); nothing below imports it (docs/architecture.md).
"""
