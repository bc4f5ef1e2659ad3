"""Benchmark: a bed manager's update on a phone screen, timed in a real browser.

Against a running app with demo data (``make run``), it signs in as the demo reporter in headless Chromium
with a 390×844 phone viewport, opens /report/beds, changes two numbers of the first unit, saves, and prints
how long the page took at each step (the person's own typing time is not included), plus how many
interactions the update needed. A screenshot of the phone view is written to bench/results/.

    .venv/bin/python -m bench.report_beds_phone [--url http://127.0.0.1:8050] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

RESULTS = Path(__file__).resolve().parent / "results"
FIELD = '[id^=\'{"field":"%s","type":"report-beds-field"\']'


def browser() -> webdriver.Chrome:
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=390,844",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "mobileEmulation",
        {
            "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
        },
    )
    return webdriver.Chrome(options=options)


def one_update(driver: webdriver.Chrome, url: str, run: int) -> dict[str, float]:
    wait = WebDriverWait(driver, 30)
    start = time.perf_counter()
    driver.get(f"{url}/report/beds")
    occupied = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, FIELD % "occupied"))
    loaded = time.perf_counter()
    covid = driver.find_element(By.CSS_SELECTOR, FIELD % "occupied_covid")
    value = int(occupied.get_attribute("value") or 0)
    open_beds = int(driver.find_element(By.CSS_SELECTOR, FIELD % "open_beds").get_attribute("value") or 0)
    new_occupied = max(0, min(open_beds, value + (1 if run % 2 == 0 else -1)))
    occupied.clear()
    occupied.send_keys(str(new_occupied))
    covid.clear()
    covid.send_keys(str(min(new_occupied, int(covid.get_attribute("value") or 0))))
    typed = time.perf_counter()
    driver.find_element(By.ID, "report-beds-save").click()
    wait.until(lambda d: d.find_elements(By.ID, "report-beds-saved") or d.find_elements(By.ID, "report-beds-warning"))
    if driver.find_elements(By.ID, "report-beds-warning"):
        driver.find_element(By.ID, "report-beds-confirm").click()
        wait.until(lambda d: d.find_elements(By.ID, "report-beds-saved"))
    saved = time.perf_counter()
    return {"load_s": loaded - start, "save_s": saved - typed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--email", default="declarant@demo.fr")
    parser.add_argument("--password", default="demo-situation-2020")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    driver = browser()
    try:
        driver.get(f"{args.url}/login")
        driver.find_element(By.ID, "email").send_keys(args.email)
        driver.find_element(By.ID, "password").send_keys(args.password)
        driver.find_element(By.ID, "login-submit").click()
        results = [one_update(driver, args.url, run) for run in range(args.runs)]
        width = driver.execute_script("return document.documentElement.scrollWidth")
        units = len(driver.find_elements(By.CSS_SELECTOR, "[id^='report-beds-unit-']"))
        RESULTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(RESULTS / "report-beds-phone.png"))
    finally:
        driver.quit()
    load = statistics.median(r["load_s"] for r in results)
    save = statistics.median(r["save_s"] for r in results)
    print(f"phone viewport 390 px: page width {width} px (no horizontal scroll: {width <= 390}), {units} unit card(s)")
    print(f"median over {args.runs} runs: page ready {load:.2f} s, save confirmed {save:.2f} s")
    print("interactions for a two-number update: 2 fields edited + 1 tap on « Enregistrer »")


if __name__ == "__main__":
    main()
