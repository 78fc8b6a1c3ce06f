"""Checks a peer's answers against lc15's: kernel 1 within 1 cm, kernel 2 exactly.

    /usr/bin/python3 bench/peers/compare.py nearest LC15.u32 PEER.npy
Prints one JSON line; exit code 1 if they disagree.
"""
import json
import sys

import numpy as np


def main(kernel, lc15_path, peer_path):
    peer = np.load(peer_path)
    ours = np.fromfile(lc15_path, dtype="<u4").reshape(peer.shape)
    inf = ours == 0xFFFFFFFF
    if kernel == "nearest":
        theirs_inf = ~np.isfinite(peer)
        both = ~inf & ~theirs_inf
        diff = np.abs(ours[both] / 100.0 - peer[both])
        max_diff = float(diff.max()) if diff.size else 0.0
        bad = int((inf != theirs_inf).sum() + (diff > 0.01 + 1e-6).sum())
        result = {"kernel": kernel, "values": int(ours.size), "unreachable": int(inf.sum()),
                  "max_diff_m": round(max_diff, 6), "disagree": bad}
    else:
        bad = int((ours != peer).sum())
        result = {"kernel": kernel, "values": int(ours.size), "disagree": bad}
    print(json.dumps(result))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
