"""The browser tests fail, naming the command, on a machine without Chromium or a CJK font:
they were skipped silently, and screenshots showed boxes for Chinese."""
from __future__ import annotations

import pytest

from tests.console_ui.machine import has_cjk_font, launch, missing_packages


@pytest.mark.parametrize("installed, font, missing", [
    (False, False, ["chromium", "fonts-noto-cjk"]),
    (False, True, ["chromium"]),
    (True, False, ["fonts-noto-cjk"]),
])
def test_a_machine_without_the_browser_or_the_font_fails_the_browser_tests(tmp_path, installed,
                                                                           font, missing):
    chromium = tmp_path / "chromium"
    if installed:
        chromium.write_text("#!/bin/sh\n")
    with pytest.raises(pytest.fail.Exception) as failed:    # a failure, not pytest.skip
        next(launch(chromium, lambda: font))
    assert f"sudo apt-get install -y {' '.join(missing)}" in str(failed.value)
    assert missing_packages(chromium, lambda: font) == missing


@pytest.mark.browser
def test_the_machine_running_the_browser_tests_renders_chinese(browser):
    # the fixture itself refuses a machine without the font; this says so where it is read
    assert has_cjk_font() and missing_packages() == []
