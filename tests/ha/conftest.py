"""The HA fault tests start a cluster of their own (minutes, many processes): they run only
when asked for, ``-m ha`` (``./dev test -m ha tests/ha -s``), and are deselected otherwise —
deselected, not skipped, so that no run reports them as passed or hides a missing service."""
from __future__ import annotations


def pytest_collection_modifyitems(config, items):
    if "ha" in (config.option.markexpr or "").replace("not ha", "").split():
        return
    kept = [item for item in items if item.get_closest_marker("ha") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
