"""Renders the fidelity table (simulation vs live, side by side) from
output/fidelity/<name>-{sim,live}/report.json into docs/fidelity.md and into the README between
its `<!-- fidelity:begin -->` and `<!-- fidelity:end -->` markers. Standard library only.

    python3 scripts/fidelity_table.py [OUT_DIR]    # default output/fidelity
"""
import datetime
import json
import os
import sys

BEGIN, END = "<!-- fidelity:begin -->", "<!-- fidelity:end -->"


def load(path):
    """The run's report and the date its report.json was written, or (None, None)."""
    file = os.path.join(path, "report.json")
    try:
        with open(file) as f:
            report = json.load(f)
    except OSError:
        return None, None
    return report, datetime.date.fromtimestamp(os.path.getmtime(file)).isoformat()


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def pair(sim, live, key, digits=1):
    """`sim / live` of one summary figure."""
    get = lambda r: None if r is None else r["summary"][key]
    s, l = get(sim), get(live)
    if key == "failures":
        return f"{'-' if s is None else s} / {'not run' if l is None else l}"
    return f"{fmt(s, digits)} / {'not run' if l is None else fmt(l, digits)}"


def fault_pair(sim, live, i, key):
    get = lambda r: None if r is None or i >= len(r["faults"]) else r["faults"][i][key]
    return f"{fmt(get(sim))} / {fmt(get(live))}"


def table(out):
    names = sorted({d.rsplit("-", 1)[0] for d in os.listdir(out) if d.endswith(("-sim", "-live"))})
    rows = [
        "| scenario | success ratio | failed | downtime [s] | fault | detect [s] | recover [s] | live run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in names:
        sim, _ = load(os.path.join(out, f"{n}-sim"))
        live, date = load(os.path.join(out, f"{n}-live"))
        faults = (sim or live or {"faults": []})["faults"]
        first = [
            n,
            pair(sim, live, "success_ratio", 4),
            pair(sim, live, "failures"),
            pair(sim, live, "downtime_s"),
        ]
        if not faults:
            rows.append("| " + " | ".join(first + ["-", "-", "-", date or "-"]) + " |")
        for i, f in enumerate(faults):
            cells = first if i == 0 else ["", "", "", ""]
            cells = cells + [
                f"{f['kind']}",
                fault_pair(sim, live, i, "time_to_detect_s"),
                fault_pair(sim, live, i, "time_to_recover_s"),
                (date or "-") if i == 0 else "",
            ]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(out):
    t = table(out)
    doc = "\n".join([
        "# Fidelity: simulation vs live",
        "",
        "Made by `bash scripts/fidelity.sh` (same scenario and seed; live on a local Ray 2.60 cluster;",
        "see the README, section \"Fidelity: simulation vs live\", for what differs and why). Each cell",
        "is `simulation / live`; detection and recovery are seconds after the fault's injection, `-`",
        "when it did not happen within the run.",
        "",
        t,
        "",
    ])
    with open("docs/fidelity.md", "w") as f:
        f.write(doc)
    with open("README.md") as f:
        readme = f.read()
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        sys.exit(f"README.md: markers {BEGIN} ... {END} not found")
    readme = readme[: start + len(BEGIN)] + "\n" + t + "\n" + readme[end:]
    with open("README.md", "w") as f:
        f.write(readme)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "output/fidelity")
