#!/usr/bin/env python3
"""Runs the plain-PyTorch reference (../shared/bench/py_supernet_bench.py, unchanged) several rounds
in one process, as bench_supernet's rounds argument does for ours: the start-up and the first use
of every shape (cuDNN's plans) are paid once, in the reference's own untimed warm-up of round 1.
Each of the reference's lines is prefixed with round=K.
Usage: py_reference_rounds.py REFERENCE ROUNDS MODES BATCH THREADS SOFT_STEPS HARD_STEPS [DEVICE LAYOUT PRECISION COMPILE SPACE]
  MODES: soft, hard or soft,hard.  Example (scripts/gpu-check.sh):
  py_reference_rounds.py ../shared/bench/py_supernet_bench.py 3 soft,hard 256 16 10 8 cuda cl bf16 eager cifar"""
import importlib.util
import sys


def main(argv):
    if len(argv) < 8:
        sys.exit(__doc__)
    path, rounds, modes, batch, threads, soft, hard = argv[1:8]
    rest = argv[8:]
    spec = importlib.util.spec_from_file_location("py_supernet_bench", path)
    if spec is None:
        sys.exit(f"py_reference_rounds: {path}: not a Python file")
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    for r in range(1, int(rounds) + 1):
        for mode in modes.split(","):
            sys.argv = [path, mode, batch, threads, soft if mode == "soft" else hard] + rest
            print(f"round={r} ", end="", flush=True)
            reference.main()
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
