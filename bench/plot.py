"""Draw every bench/results/feeding-<cell>.json into one PNG: samples/s per feeding, per cell.

    python bench/plot.py [--results bench/results] [--out bench/results/feeding.png]

Needs matplotlib (any Python); without it, says so and exits 1.
"""
import argparse
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("tfcompat", "auto", "bound", "baseline", "seed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "feeding.png"))
    args = parser.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench/plot.py needs matplotlib: pip install matplotlib", file=sys.stderr)
        return 1
    cells = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(args.results,
                                                                        "feeding-*.json")))]
    if not cells:
        print("no feeding-*.json in %s: run bench/feeding.py first" % args.results,
              file=sys.stderr)
        return 1
    names = []
    for cell in cells:
        for row in sorted(cell["rows"], key=lambda r: KINDS.index(r["kind"])):
            label = row["name"].split(" (")[0]
            if label not in names:
                names.append(label)
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(cells)), 5.5))
    width = 0.8 / len(names)
    colors = plt.cm.tab10.colors
    for i, name in enumerate(names):
        xs, ys = [], []
        for j, cell in enumerate(cells):
            for row in cell["rows"]:
                if row["name"].split(" (")[0] == name:
                    xs.append(j + (i - len(names) / 2.0 + 0.5) * width)
                    ys.append(row["samples_per_s"] / 1000.0)
        ax.bar(xs, ys, width, label=name, color=colors[i % len(colors)])
    ax.set_xticks(range(len(cells)))
    ax.set_xticklabels([c["cell"] for c in cells], rotation=20)
    ax.set_ylabel("thousand samples/s (MLP 784-256-10, batch 128)")
    ax.set_title("Feeding throughput per cell: tfcompat.fit vs hand-written")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
