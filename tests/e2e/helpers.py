"""Steps every browser journey shares: signing in and out, and saving screenshots."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
PASSWORD = "HocTiep@2026"  # every demo account's (classrooms/demo_data.py)


def login(page, base_url: str, username: str, password: str = PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    return navigation.value


def logout(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
