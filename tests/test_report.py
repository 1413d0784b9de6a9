"""The HTML report (pipeline/report): one self-contained file for the seed run,
checked in a real headless browser (Debian's chromium through Playwright)."""
import os
import shutil

import pytest

from pipeline.cli import main
from pipeline.ops.tables import read_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report_out")
    assert main(["--input", os.path.join(ROOT, "seeds", "*.txt"), "--output", str(out),
                 "--published", "2024-06-20", "--threads", "1", "--quiet"]) == 0
    assert main(["report", str(out)]) == 0
    coded = [e for e in read_table(str(out), "events").to_pylist() if e["coded"]]
    return out, out / "report.html", coded


def test_the_report_is_one_file_that_needs_no_network(seed_report):
    _, path, coded = seed_report
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.external, self.inline = [], 0

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                src = dict(attrs).get("src")
                if src:
                    self.external.append(src)
                else:
                    self.inline += 1

    page = path.read_text(encoding="utf-8")
    scripts = Scripts()
    scripts.feed(page)
    assert scripts.external == [] and scripts.inline >= 5  # plotly.js itself, inlined, + 4 charts
    assert page.count("Plotly.newPlot") >= 4  # timeline, types, dyads, actor pairs
    assert f"<b>{len(coded)} coded events</b>" in page


def test_report_of_a_folder_without_output_is_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"newsevents: error: no run output in {tmp_path}"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (.ci/run installs "
                                             "Debian's chromium package)")
def test_the_report_in_a_real_browser(seed_report):
    """It loads with no console error and no request off the machine, and its
    charts and table have the seed's content."""
    from playwright.sync_api import sync_playwright

    _, path, coded = seed_report
    problems, requests = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        plots = page.locator(".js-plotly-plot").count()
        bars = page.locator(".js-plotly-plot .trace.bars .point").count()
        cells = page.locator(".js-plotly-plot .hm, .js-plotly-plot .heatmaplayer image").count()
        rows = page.locator("#events tbody tr").count()
        types = page.eval_on_selector_all("#types .xtick text", "els => els.map(e => e.textContent)")
        browser.close()
    assert problems == []
    assert all(u.startswith("file://") for u in requests), requests
    assert plots >= 4 and bars >= len(coded) and cells >= 1
    assert rows == len(coded)
    assert "THREATEN" in types
