"""The HTML report (pipeline/report): one self-contained file for the seed run
(plus one short article that names cities, for the map), checked in a real
headless browser (Debian's chromium through Playwright)."""
import os
import shutil

import pytest

from pipeline.cli import main
from pipeline.ops.tables import read_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# The seed names no city outside an actor, so nothing of it is mapped; these
# sentences give the map located, coded events (Minsk, Istanbul)
LOCATED = ("Belarusian police detained dozens of protesters in Minsk on Sunday, witnesses said.\n"
           "Turkish police arrested dozens of students in Istanbul on Monday.\n")


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report_out")
    located = tmp_path_factory.mktemp("report_in") / "located.txt"
    located.write_text(LOCATED, encoding="utf-8")
    assert main(["--input", os.path.join(ROOT, "seeds", "*.txt"), str(located),
                 "--output", str(out),
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
    assert scripts.external == [] and scripts.inline >= 6  # plotly.js itself, inlined, + 5 charts
    assert page.count("Plotly.newPlot") >= 5  # timeline, map, types, dyads, actor pairs
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
        # the map: the backdrop trace, then one marker per located place, drawn
        backdrop = page.locator("#map .scatterlayer .trace:first-child .point").count()
        markers = page.locator("#map .scatterlayer .trace:last-child .point").count()
        traces = page.evaluate("() => document.querySelector('#map .js-plotly-plot').data"
                               ".map(t => [t.type, t.text || null])")
        geo = page.locator(".js-plotly-plot .geolayer > *").count()  # a drawn geo subplot
        browser.close()
    assert problems == []
    assert all(u.startswith("file://") for u in requests), requests
    assert plots >= 5 and bars >= len(coded) and cells >= 1
    assert rows == len(coded)
    assert "THREATEN" in types
    places = {(e["location_name"], e["location_country"]) for e in coded
              if e["location_lat"] is not None}
    assert {("Minsk", "BLR"), ("Istanbul", "TUR")} <= places
    # x/y scatters, no geo subplot: one would fetch its world outlines from a CDN
    assert [t for t, _ in traces] == ["scatter", "scatter"] and geo == 0
    hover = traces[1][1]
    assert backdrop > 1000 and markers == len(places) == len(hover)
    assert any(h.startswith("<b>Minsk</b>, Belarus (BLR)") for h in hover), hover


def test_a_run_with_no_located_event_has_no_map(tmp_path):
    from pipeline.report import _figures

    event = {"event_type": "PROTEST", "date": None, "who": "Protesters", "who_resolved": None,
             "who_country": None, "target": None, "target_resolved": None,
             "target_country": None, "location_name": "Belarus", "location_country": "BLR",
             "location_lat": None, "location_lon": None}
    assert "map" not in _figures([event], [])
    assert "map" in _figures([{**event, "location_name": "Minsk", "location_lat": 53.9,
                               "location_lon": 27.57}], [])
