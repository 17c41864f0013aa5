"""The sweep's figures and ``report.html``: one self-contained page to look at.

The page holds the table of runs (sweep.csv's columns; a click on a header sorts by it, numbers
as numbers, a second click reverses) and the figures embedded as data URIs. It loads nothing
(no script, style sheet, font or image from anywhere), so it reads the same offline, from a
copied folder, or attached to a mail. Each run's folder name links to the folder beside it.
"""

from __future__ import annotations

import base64
import html
import math
import shlex
from collections.abc import Mapping
from typing import Any

from nanograd.sweep.folder import SweepFolder, cell, table
from nanograd.sweep.progress import best_run, label

CURVES, FINAL, REPORT = "curves.png", "final.png", "report.html"


def write_outputs(sweep: SweepFolder, plots: bool) -> list[str]:
    """Write the figures (unless ``plots`` is off) and report.html; the names written."""
    figures: dict[str, bytes] = {}
    if plots:
        figures = draw(sweep)
        for name, data in figures.items():
            sweep.folder.write_bytes(name, data)
    sweep.folder.write_text(REPORT, page(sweep.record, figures))
    return [*figures, REPORT]


def draw(sweep: SweepFolder) -> dict[str, bytes]:
    """The figures as PNG bytes, by file name (a figure with nothing to show is left out)."""
    from nanograd.run.plotting import png_bytes
    from nanograd.sweep.plots import final_metric, learning_curves

    record, runs = sweep.record, sweep.runs
    name = record["experiment"]
    swept, grid = record.get("swept", []), list(record.get("grid", {}))
    made = {
        CURVES: learning_curves(runs, swept, sweep.path, f"{name}: learning curves of every run"),
        FINAL: final_metric(runs, swept, grid, f"{name}: the final metric of each configuration"),
    }
    return {file: png_bytes(fig) for file, fig in made.items() if fig is not None}


STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
code { background: #f3f3f3; padding: 0.1em 0.3em; border-radius: 3px; }
.facts { color: #555; margin: 0.2em 0 1em; }
table { border-collapse: collapse; font-size: 13px; margin: 1em 0; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f6f6f6; position: sticky; top: 0; }
th button { font: inherit; font-weight: 600; border: 0; background: none; cursor: pointer;
            padding: 0; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.text { text-align: left; }
tr.failed td { background: #fde8e8; }
tr.interrupted td, tr.cancelled td, tr.pending td, tr.running td { background: #fff6da; }
img { max-width: 100%; display: block; margin: 1em 0; }
"""

# Sorting: numbers by value, other text alphabetically; empty cells last either way.
SCRIPT = """
document.querySelectorAll("table.runs th button").forEach(function (button) {
  button.addEventListener("click", function () {
    var th = button.parentElement, table = th.closest("table");
    var column = Array.prototype.indexOf.call(th.parentElement.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var key = function (row) { return row.cells[column].getAttribute("data-sort"); };
    var numeric = rows.every(function (r) { var k = key(r); return k === "" || !isNaN(k); });
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def page(record: Mapping[str, Any], figures: Mapping[str, bytes]) -> str:
    """report.html for ``record`` (sweep.json's contents) with ``figures`` embedded."""
    runs = record["runs"]
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["status"]] = counts.get(run["status"], 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    command = shlex.join(str(part) for part in record.get("command", []))
    best = best_run(runs)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>sweep {_e(record['experiment'])}: {len(runs)} runs</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>sweep of {_e(record['experiment'])}: {len(runs)} runs, {_e(record['status'])}</h1>",
        f'<p class="facts"><code>{_e(command)}</code></p>',
        f'<p class="facts">sweep seed {_e(record["seed"])} · {_e(tally)} · started '
        f"{_e(record.get('started', ''))}, last ended {_e(record.get('ended', ''))}</p>",
    ]
    if best is not None:
        parts.append(
            f"<p>best {_e(best['best']['metric'])} {float(best['best']['value']):.6g} in "
            f'<a href="{_e(best["folder"])}/">{_e(best["folder"])}</a> ({_e(label(best))})</p>'
        )
    for name, data in figures.items():
        encoded = base64.b64encode(data).decode("ascii")
        parts.append(f'<img alt="{_e(name)}" src="data:image/png;base64,{encoded}">')
    parts.append(_table(record))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


def _table(record: Mapping[str, Any]) -> str:
    header, rows = table(record)
    head = "".join(f'<th scope="col"><button type="button">{_e(h)}</button></th>' for h in header)
    body = []
    for row in rows:
        cells = "".join(_cell(key, row.get(key)) for key in header)
        body.append(f'<tr class="{_e(row["status"])}">{cells}</tr>')
    return (
        f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def _cell(key: str, value: Any) -> str:
    text = cell(value)
    sort = text
    try:
        number = float(text)
    except ValueError:
        number = 0.0
    if not math.isfinite(number):  # NaN sorts as an empty cell, last; infinities as JS writes them
        sort = "" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    shown = f"{value:.6g}" if isinstance(value, float) else text
    css = "" if numeric else ' class="text"'
    shown = f'<a href="{_e(text)}/">{_e(text)}</a>' if key == "folder" and text else _e(shown)
    return f'<td{css} data-sort="{_e(sort)}">{shown}</td>'


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
