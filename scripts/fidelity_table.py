"""Renders docs/fidelity.md from output/fidelity/<name>-{sim,live}/report.json (stdlib only)."""
import json
import os
import sys


def load(path):
    try:
        with open(os.path.join(path, "report.json")) as f:
            return json.load(f)
    except OSError:
        return None


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def faults(r):
    return "; ".join(
        f"{f['kind']}: {fmt(f['time_to_detect_s'])} / {fmt(f['time_to_recover_s'])}" for f in r["faults"]
    ) or "-"


def main(out):
    names = sorted({d.rsplit("-", 1)[0] for d in os.listdir(out) if d.endswith(("-sim", "-live"))})
    print("# Fidelity: simulation vs live\n")
    print("Made by `bash scripts/fidelity.sh` (same scenario and seed; live on a local Ray 2.60 cluster on")
    print("this 2-core machine). Detection / recovery are seconds after injection.\n")
    print("| scenario | run | success ratio | failed | downtime [s] | detect / recover [s] |")
    print("|---|---|---|---|---|---|")
    for n in names:
        for kind in ("sim", "live"):
            r = load(os.path.join(out, f"{n}-{kind}"))
            if r is None:
                print(f"| {n} | {kind} | not run | | | |")
                continue
            s = r["summary"]
            print(f"| {n} | {kind} | {s['success_ratio']:.4f} | {s['failures']} | {s['downtime_s']:.1f} | {faults(r)} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "output/fidelity")
