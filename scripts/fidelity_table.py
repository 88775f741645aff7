"""Renders the fidelity table (simulation vs live, side by side) from
output/fidelity/<name>-{sim,live}/report.json, with the simulation's range over the seeds in
output/fidelity/<name>-seeds/<seed>/report.json, into docs/fidelity.md between its
`<!-- fidelity:begin -->` and `<!-- fidelity:end -->` markers; the rest of that page (what the
cells mean, what differs and why) is written by hand and kept. Standard library only.

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


def fault_value(r, i, key):
    return None if r is None or i >= len(r["faults"]) else r["faults"][i][key]


def fault_pair(sim, live, i, key):
    return f"{fmt(fault_value(sim, i, key))} / {fmt(fault_value(live, i, key))}"


def seed_runs(out, name):
    """Reports of the simulation over several seeds, in seed order."""
    root = os.path.join(out, f"{name}-seeds")
    if not os.path.isdir(root):
        return []
    seeds = sorted((d for d in os.listdir(root) if d.isdigit()), key=int)
    return [r for r in (load(os.path.join(root, d))[0] for d in seeds) if r is not None]


def spread(values, live, digits=1):
    """`min-max` of the simulation over seeds; a mark when the live value falls outside."""
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    lo, hi = min(known), max(known)
    cell = f"{lo:.{digits}f}-{hi:.{digits}f}" if lo != hi else f"{lo:.{digits}f}"
    if len(known) < len(values):
        cell += f" ({len(values) - len(known)} never)"
    if live is not None and not (lo - 0.5 <= live <= hi + 0.5):
        cell += " **out**"
    return cell


def table(out):
    names = sorted({d.rsplit("-", 1)[0] for d in os.listdir(out) if d.endswith(("-sim", "-live"))})
    rows = [
        "| scenario | success ratio | failed (seeds) | downtime [s] (seeds) | fault | detect [s] (seeds) "
        "| recover [s] (seeds) | live run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in names:
        sim, _ = load(os.path.join(out, f"{n}-sim"))
        live, date = load(os.path.join(out, f"{n}-live"))
        seeds = seed_runs(out, n)
        summary = lambda r, key: None if r is None else r["summary"][key]
        with_spread = lambda cell, key, digits=1: (
            f"{cell} ({spread([summary(r, key) for r in seeds], summary(live, key), digits)})" if seeds else cell
        )
        faults = (sim or live or {"faults": []})["faults"]
        first = [
            n,
            pair(sim, live, "success_ratio", 4),
            with_spread(pair(sim, live, "failures"), "failures", 0),
            with_spread(pair(sim, live, "downtime_s"), "downtime_s"),
        ]
        if not faults:
            rows.append("| " + " | ".join(first + ["-", "-", "-", date or "-"]) + " |")
        for i, f in enumerate(faults):
            timing = lambda key: (
                f"{fault_pair(sim, live, i, key)} ({spread([fault_value(r, i, key) for r in seeds], fault_value(live, i, key))})"
                if seeds
                else fault_pair(sim, live, i, key)
            )
            cells = first if i == 0 else ["", "", "", ""]
            cells = cells + [
                f"{f['kind']}",
                timing("time_to_detect_s"),
                timing("time_to_recover_s"),
                (date or "-") if i == 0 else "",
            ]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


DOC = "docs/fidelity.md"


def main(out):
    with open(DOC) as f:
        doc = f.read()
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        sys.exit(f"{DOC}: markers {BEGIN} ... {END} not found")
    doc = doc[: start + len(BEGIN)] + "\n" + table(out) + "\n" + doc[end:]
    with open(DOC, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "output/fidelity")
