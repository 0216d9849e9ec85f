"""The pages in a real headless Chromium against a running bridge and the emulator: sign in,
connect a Google account through the emulator's consent page, watch the first sync finish,
hide a calendar (CalDAV stops listing it), the client setup URL, a revoked sign-in shown with
its fix, another user kept out, and unlinking after a confirmation. Screenshots of each page
go to GCALDAV_SCREENSHOTS when set (docs/screenshots)."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.gcaldav.web_site import PASSWORDS, browser, google_account, screenshot, site  # noqa: F401
from tests.support import wait_for


def sign_in(driver, site, user: str) -> None:
    driver.delete_all_cookies()
    driver.get(site.base + "/.gcaldav/")
    assert driver.current_url.endswith("/.gcaldav/signin")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[user])
    driver.find_element(By.ID, "submit").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/.gcaldav/"))


def text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def test_a_person_connects_sees_hides_sets_up_and_unlinks(site, browser, control, tmp_path):
    driver, email = browser, google_account(control)
    driver.get(site.base + "/.gcaldav/")
    screenshot(driver, "1-sign-in", tmp_path)
    sign_in(driver, site, "alice")
    assert "No Google account is linked yet" in text(driver)

    # Connect: our page, then the emulator's consent page (Google's), then the first sync.
    driver.get(site.base + "/.gcaldav/connect")
    screenshot(driver, "2-connect", tmp_path)
    driver.find_element(By.ID, "start").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "consent"))
    driver.find_element(By.CSS_SELECTOR, f"input[name=account][value='{email}']").click()
    # One slow Google answer keeps the first sync running long enough to see its progress
    # page, which then refreshes itself (no script) until the sync is done.
    control.post("/faults", {"kind": "delay", "seconds": 3, "method": "events.list"})
    driver.find_element(By.ID, "allow").click()
    WebDriverWait(driver, 10).until(lambda d: "/.gcaldav/connect/" in d.current_url)
    assert driver.find_element(By.ID, "running").text in (
        "Copying your calendars…", "Copying calendar 2 of 2…")
    screenshot(driver, "3-first-sync", tmp_path)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "done")
                                    or d.find_elements(By.ID, "error"))
    assert driver.find_element(By.ID, "done").text == "Done: 2 calendars copied."

    driver.find_element(By.ID, "overview").click()
    page = text(driver)
    assert email in page and "syncing" in page and "Work" in page
    assert "Meeting" not in page                  # names and counts, never event contents
    work = next(c for a in site.bridge.accounts("alice") for c, _ in a.calendars
                if c.name == "Work")
    row = driver.find_element(By.ID, f"calendar-{work.id}")
    assert row.find_element(By.CLASS_NAME, "served").text == "served"
    assert "writable" in row.text and " 2 " in f" {row.text} "
    screenshot(driver, "4-overview", tmp_path)
    assert "Work" in site.served_names()

    # Hide "Work": the page says so and CalDAV no longer lists it.
    row.find_element(By.CLASS_NAME, "toggle").click()

    def hidden_row(d):
        # The form posts and the overview reloads: look only at the new page's row.
        rows = d.find_elements(By.ID, f"calendar-{work.id}")
        served = rows[0].find_elements(By.CLASS_NAME, "served") if rows else []
        return served and served[0].text == "hidden"
    WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        hidden_row)
    assert "Work" not in site.served_names() and email in site.served_names()

    driver.get(site.base + "/.gcaldav/setup")
    assert driver.find_element(By.ID, "url").text == site.base + "/alice/"
    assert driver.find_elements(By.CSS_SELECTOR, "figure.qr svg")
    assert driver.find_element(By.ID, "https-warning").is_displayed()
    assert driver.find_element(By.CSS_SELECTOR, "button.copy").is_displayed()   # script ran
    screenshot(driver, "5-client-setup", tmp_path)

    driver.get(site.base + "/.gcaldav/admin")
    assert email in text(driver) and "Google API requests by method" in text(driver)
    screenshot(driver, "6-admin", tmp_path)

    # Google access removed: the next sync finds out, the page says what to do.
    account_id = site.bridge.accounts("alice")[0].account.id
    control.post("/oauth/revoke", {"account": email})
    wait_for(lambda: site.served_names() is not None and site.bridge.accounts("alice")[0]
             .account.needs_sign_in, what="the account marked as needing a sign-in")
    driver.get(site.base + "/.gcaldav/")
    section = driver.find_element(By.ID, f"account-{account_id}")
    assert "needs sign-in" in section.text
    assert f"sign in as {email} again" in section.find_element(By.CLASS_NAME, "fix").text
    screenshot(driver, "7-needs-sign-in", tmp_path)

    # Bob signs in: none of alice's things, not even by her ids.
    sign_in(driver, site, "bob")
    assert email not in text(driver)
    driver.get(f"{site.base}/.gcaldav/accounts/{account_id}/unlink")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Not Found"
    driver.get(site.base + "/.gcaldav/admin")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Forbidden"

    # Alice unlinks, after a confirmation page.
    sign_in(driver, site, "alice")
    driver.find_element(By.CSS_SELECTOR, f"#account-{account_id} a.unlink").click()
    assert email in driver.find_element(By.TAG_NAME, "h1").text
    screenshot(driver, "8-unlink", tmp_path)
    driver.find_element(By.ID, "confirm").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "empty"))
    assert site.bridge.accounts("alice") == [] and site.served_names() == set()
