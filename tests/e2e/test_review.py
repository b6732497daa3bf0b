"""Reviewing the tagger's suggestions in a real browser, with the keyboard, then retraining.

An administrator opens the review queue, accepts one suggestion and rejects another with
the keys alone (j to move, a, r), selects a third with x and accepts the selection with
Shift+A; starts a retrain on the tagger page and waits for it (the first one embeds the
starter set with the real model: a minute or more on two cores); then finds on the
document page, in the queue and through the API that the accepted tags stayed (accepted)
and the rejected one stayed off.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

#: the first retrain embeds ~2,400 starter texts with the real model: about a minute on two
#: idle cores, four or more when they are busy with something else
RETRAIN_TIMEOUT_MS = 420_000


def current(page: Page) -> tuple[str, str, str]:
    """The current suggestion: (row id, passage, key)."""
    row = page.locator("#review-queue > .suggestion.current")
    assert row.count() == 1
    found = (
        row.get_attribute("id"),
        row.get_attribute("data-passage"),
        row.get_attribute("data-key"),
    )
    assert all(found), found
    assert page.evaluate("() => document.activeElement.id") == found[0]  # it has the focus
    return str(found[0]), str(found[1]), str(found[2])


def status(page: Page, row_id: str) -> str | None:
    return page.locator(f"#{row_id}").get_attribute("data-status")


def total(page: Page) -> int:
    text = page.locator("#review-total").inner_text()
    return int("".join(c for c in text.split()[0] if c.isdigit()))


def tags_via_api(page: Page, passage: str) -> dict[str, str]:
    answer = page.request.get(f"/api/v1/passages/{passage}/tags")
    assert answer.ok, answer.text()
    return {t["key"]: t["status"] for t in answer.json()}


def test_review_with_the_keyboard_then_retrain(page: Page, shots: Path) -> None:
    log_in(page, "admin@example.org")
    page.goto("/review")
    page.wait_for_selector("#review-queue > .suggestion")
    assert page.locator("#keyboard-help").is_visible()
    waiting = total(page)

    # j: the first suggestion; a: accept it, and the next one waiting is chosen
    page.keyboard.press("j")
    accepted_row, accepted_passage, accepted_key = current(page)
    page.keyboard.press("a")
    page.wait_for_selector(f'#{accepted_row}[data-status="accepted"]')
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id && "
        "document.activeElement.id !== id",
        arg=accepted_row,
    )
    assert "Accepted:" in page.locator("#review-announce").inner_text()

    # r: reject the one that is now current
    rejected_row, rejected_passage, rejected_key = current(page)
    assert status(page, rejected_row) == "suggested"
    page.keyboard.press("r")
    page.wait_for_selector(f'#{rejected_row}[data-status="rejected"]')
    assert "Rejected:" in page.locator("#review-announce").inner_text()

    # x selects the current one; Shift+A accepts the selection
    selected_row, selected_passage, selected_key = current(page)
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert current(page)[0] == selected_row  # k and j move back and forth
    page.keyboard.press("x")
    assert page.locator(f"#{selected_row} input.select").is_checked()
    page.keyboard.press("Shift+A")
    page.wait_for_selector(f'#{selected_row}[data-status="accepted"]')

    # the count of suggestions waiting follows (after the decisions' answers)
    page.wait_for_function(
        "n => parseInt(document.querySelector('#review-total').textContent.replace(/\\D/g, ''))"
        " < n",
        arg=waiting,
    )
    page.screenshot(path=str(shots / "review-queue.png"), full_page=True)

    # retrain on the tagger page, in the background, and wait for the result
    page.goto("/admin/tagger")
    page.locator("#retrain").click()
    page.wait_for_selector("#job-progress, #job-result, #job-failed")
    page.screenshot(path=str(shots / "tagger-running.png"), full_page=True)
    page.wait_for_selector("#job-result, #job-failed", timeout=RETRAIN_TIMEOUT_MS)
    page.screenshot(path=str(shots / "tagger-done.png"), full_page=True)
    assert page.locator("#job-failed").count() == 0, page.locator("#job-failed").inner_text()
    promoted = page.locator("#job-promoted").count() == 1
    assert promoted or page.locator("#job-kept").count() == 1
    if promoted:  # the versions table came back with the new version in use
        assert "v0001" in page.locator("#tagger-current").inner_text()

    # the decisions stayed: on the document page, in the queue and through the API
    for passage, key, expected in (
        (accepted_passage, accepted_key, "accepted"),
        (selected_passage, selected_key, "accepted"),
        (rejected_passage, rejected_key, "rejected"),
    ):
        assert tags_via_api(page, passage).get(key) == expected, (passage, key)
        page.goto(f"/passages/{passage}")  # its place in its document
        page.wait_for_selector(f"#p-{passage}")
        tag = page.locator(f'#tags-{passage} li[data-key="{key}"]')
        if expected == "accepted":
            assert tag.get_attribute("data-status") == "accepted", (passage, key)
        else:
            assert tag.count() == 0, (passage, key)
    page.goto("/review?limit=100")
    listed = {
        (row.get_attribute("data-passage"), row.get_attribute("data-key"))
        for row in page.locator("#review-queue > .suggestion").all()
    }
    assert not listed & {
        (accepted_passage, accepted_key),
        (rejected_passage, rejected_key),
        (selected_passage, selected_key),
    }
    page.screenshot(path=str(shots / "review-after-retrain.png"), full_page=True)
