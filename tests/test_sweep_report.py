"""The sweep's figures and report.html: the page is self-contained, and in a real headless
Chromium its table sorts when a header is clicked and every image loads."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from test_run_support import png_size, run
from test_sweep_support import sweep_folder, sweep_record, sweep_rows, write_sweep_experiment

from nanograd.sweep.plots import final_metric
from nanograd.sweep.report import page


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A 2x2 grid with two seeds, figures and report included."""
    tmp = tmp_path_factory.mktemp("report")
    experiment = write_sweep_experiment(tmp / "experiment")
    code = run(experiment, "lr=0.02,0.2", "optimizer=sgd,adam", "--seeds", 2, "--seed", 8,
               "--workers", 2, "--out", tmp / "runs", "--quiet")  # fmt: skip
    assert code == 0
    return sweep_folder(tmp / "runs")


def test_the_sweep_folder_gets_both_figures_and_the_report(sweep):
    for name in ("curves.png", "final.png"):
        width, height = png_size(sweep / name)
        assert width > 400 and height > 200
    assert (sweep / "report.html").is_file()


def test_the_final_metric_figure_shows_the_mean_over_seeds_of_each_configuration(sweep):
    record = sweep_record(sweep)
    fig = final_metric(record["runs"], record["swept"], list(record["grid"]), "title")
    assert fig is not None
    rows = sweep_rows(sweep)
    lr_panel = fig.axes[0]  # x: lr; one line per optimizer
    lines = {bars.get_label(): bars.lines[0] for bars in lr_panel.containers}
    assert set(lines) == {"optimizer=sgd", "optimizer=adam"}
    for optimizer in ("sgd", "adam"):
        line = lines[f"optimizer={optimizer}"]
        for lr, mean in zip(line.get_xdata(), line.get_ydata(), strict=True):
            finals = [float(r["val_loss"]) for r in rows  # the metric the runs monitor
                      if r["optimizer"] == optimizer and float(r["lr"]) == lr]  # fmt: skip
            assert len(finals) == 2
            assert mean == pytest.approx(np.mean(finals))


def test_the_report_is_self_contained(sweep):
    text = (sweep / "report.html").read_text()
    sources = re.findall(r'src="([^"]*)"', text)
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"https?://", text)
    assert "<link" not in text and "@import" not in text and "url(" not in text


def test_the_report_escapes_what_it_shows():
    record = {
        "experiment": "<b>x</b>", "command": ["run", "name=<script>"], "seed": 1,
        "status": "completed", "swept": ["name"], "trials": None,
        "runs": [{"index": 0, "status": "failed", "values": {"name": "<script>"}, "seed": 1,
                  "folder": "run-000", "message": "<img src=x>", "final": {}, "best": {}}],
    }  # fmt: skip
    text = page(record, {})
    assert text.count("<script>") == 1  # the page's own
    assert "name=&lt;script&gt;" in text
    assert "&lt;img src=x&gt;" in text


# -- in a real browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(needs):
    """Headless Chromium from the system's packages, driven through chromedriver."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    needs(
        "a Chromium and its driver",
        bool(chromium and driver_path),
        "apt-get install chromium chromium-driver",
    )
    webdriver = needs.module("selenium.webdriver", "pip install selenium")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-dev-shm-usage",
                     "--disable-extensions", "--no-first-run"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def column(driver, name):
    headers = [th.text for th in driver.find_elements("css selector", "table.runs th")]
    index = next(i for i, h in enumerate(headers) if h.rstrip(" ▲▼") == name)
    cells = driver.find_elements("css selector", f"table.runs tbody td:nth-child({index + 1})")
    return [c.get_attribute("data-sort") for c in cells]


def click_header(driver, name):
    for button in driver.find_elements("css selector", "table.runs th button"):
        if button.text.rstrip(" ▲▼") == name:
            button.click()
            return button.find_element("xpath", "..").get_attribute("aria-sort")
    raise AssertionError(f"no column {name}")


def test_in_chromium_every_image_loads_and_nothing_is_fetched(sweep, browser):
    browser.get((sweep / "report.html").as_uri())
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt]);"
    )
    assert sorted(alt for _, _, alt in images) == ["curves.png", "final.png"]
    assert all(complete and width > 400 for complete, width, _ in images)
    assert browser.execute_script("return performance.getEntriesByType('resource').length;") == 0


def test_in_chromium_a_click_on_a_header_sorts_the_table(sweep, browser):
    browser.get((sweep / "report.html").as_uri())
    original = column(browser, "run")
    assert original == [str(i) for i in range(8)]
    assert click_header(browser, "train_loss") == "ascending"
    losses = [float(v) for v in column(browser, "train_loss")]
    assert losses == sorted(losses) and losses != [float(v) for v in original]
    assert click_header(browser, "train_loss") == "descending"
    assert [float(v) for v in column(browser, "train_loss")] == sorted(losses, reverse=True)
    assert click_header(browser, "optimizer") == "ascending"
    assert column(browser, "optimizer") == ["adam"] * 4 + ["sgd"] * 4
    # the rows moved whole: each row's run still has its own loss
    rows = {r["run"]: float(r["train_loss"]) for r in sweep_rows(sweep)}
    for run_index, loss in zip(column(browser, "run"), column(browser, "train_loss"), strict=True):
        assert rows[run_index] == float(loss)
