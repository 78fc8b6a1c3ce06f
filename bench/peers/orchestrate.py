"""Runs every benchmark of bench/run_all and writes bench/results/results.{csv,md}.

    /usr/bin/python3 bench/peers/orchestrate.py BUILD_DIR WORK_DIR RESULTS_DIR
Each tool runs in its own process under /usr/bin/time -v (peak RSS) and times only its
computation; every peer's answers are checked against lc15's (compare.py). Environment:
LC15_BENCH_VERTICES (generated graph size, default 1000000), LC15_BENCH_SKIP_SLOW=1 to leave
out networkx and pgRouting on the generated graph.
"""
import csv
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
LAST_CPU = [0.0]  # user + system seconds of the last run() process


def run(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (JSON from its last stdout line or {}, peak RSS MB, wall s)."""
    tfile = "/tmp/lc15_bench_time.txt"
    p = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + cmd, capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    t = open(tfile).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":")
    wall_s = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    cpu_s = float(re.search(r"User time \(seconds\): (\S+)", t).group(1)) + \
        float(re.search(r"System time \(seconds\): (\S+)", t).group(1))
    LAST_CPU[0] = cpu_s
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), rss, wall_s


def main(build, work, results):
    os.makedirs(work, exist_ok=True)
    os.makedirs(results, exist_ok=True)
    kernel_exe = os.path.join(build, "bench", "lc15_kernel")
    lc15 = os.path.join(build, "lc15")
    rows = []

    def record(**r):
        rows.append(r)
        print(json.dumps(r), flush=True)

    vertices = int(os.environ.get("LC15_BENCH_VERTICES", "1000000"))
    skip_slow = os.environ.get("LC15_BENCH_SKIP_SLOW") == "1"
    repeat_e2e = 3  # end-to-end: fastest of 3 whole-process runs
    monaco = os.path.join(ROOT, "data", "osm", "monaco.osm.pbf")
    graphs = []
    g = os.path.join(work, "monaco")
    run([lc15, "graph", "export", monaco, "--format", "csv", "-o", g])
    graphs.append(("monaco", g, 3))
    g = os.path.join(work, f"grid{vertices}")
    run([kernel_exe, "generate", "--vertices", str(vertices), "-o", g])
    graphs.append((f"grid{vertices // 1000}k", g, 1))

    for name, gdir, repeat in graphs:
        fac = os.path.join(gdir, "facilities.csv")
        run([kernel_exe, "facilities", "--graph", gdir, "-o", fac])
        info, rss, _ = run([kernel_exe, "info", "--graph", gdir])
        record(graph=name, tool="lc15", kernel="graph", vertices=info["vertices"], arcs=info["arcs"],
               core_bytes=info["core_bytes"], bytes_per_arc=info["bytes_per_arc"], peak_rss_mb=round(rss, 1))
        for kernel in ("nearest", "count"):
            ours = os.path.join(work, f"{name}_{kernel}_lc15.u32")
            for threads in (1, 2):
                out, rss, _ = run([kernel_exe, kernel, "--graph", gdir, "--facilities", fac, "-j", str(threads),
                                   "--repeat", str(repeat), "--out", ours])
                record(graph=name, tool="lc15", kernel=kernel, threads=threads, compute_s=out["compute_s"],
                       facilities=out["facilities"], settled=out["settled"], peak_rss_mb=round(rss, 1),
                       disagree=0)
            peers = ["scipy", "graphtool", "igraph", "networkx", "pgrouting"] if kernel == "nearest" \
                else ["scipy", "networkx"]
            for peer in peers:
                if skip_slow and name != "monaco" and peer in ("networkx", "pgrouting"):
                    continue
                ans = os.path.join(work, f"{name}_{kernel}_{peer}.npy")
                out, rss, _ = run([PY, os.path.join(HERE, f"{peer}_peer.py"), kernel, gdir, fac, ans],
                                  env={"REPEAT": str(repeat)})
                cmp, _, _ = run([PY, os.path.join(HERE, "compare.py"), kernel, ours, ans])
                record(graph=name, tool=out["tool"], kernel=kernel, threads=1, compute_s=out["compute_s"],
                       peak_rss_mb=round(rss, 1), disagree=cmp["disagree"], version=out.get("version", ""),
                       **{k: out[k] for k in ("import_s", "query_s") if k in out})

    # Whole job on OSM files: lc15 coverage (one process: OSM in, every output written) vs a
    # pyosmium + scipy pipeline and pgRouting import + query of lc15's exported graph. The peers
    # do no bus analysis, so lc15 runs with --no-bus (the bus catchment and walk+bus figures
    # are timed separately by lc15 itself in summary.json).
    for name, osm, config in (("monaco", "monaco.osm.pbf", "monaco.toml"),
                              ("zhuhai_xiangzhou", "cn_zhuhai_xiangzhou.osm", "zhuhai_xiangzhou.toml")):
        path = os.path.join(ROOT, "data", "osm", osm)
        for threads in (1, 2):
            best = None
            for _ in range(repeat_e2e):
                out_dir = os.path.join(work, f"e2e_{name}_cov{threads}")
                subprocess.run(["rm", "-rf", out_dir], check=True)
                _, rss, wall = run([lc15, "coverage", "--config", os.path.join(ROOT, "configs", config),
                                    "--out", out_dir, "--no-bus", "-j", str(threads)])
                if best is None or wall < best[0]:
                    best = (wall, LAST_CPU[0], rss)
            record(graph=name, tool="lc15 coverage", kernel="end-to-end", threads=threads,
                   compute_s=round(best[0], 3), cpu_s=round(best[1], 3), peak_rss_mb=round(best[2], 1))
        best = None
        for _ in range(repeat_e2e):
            _, rss, wall = run([PY, os.path.join(HERE, "osm_pipeline.py"), path, os.path.join(work, f"e2e_{name}_py")])
            if best is None or wall < best[0]:
                best = (wall, LAST_CPU[0], rss)
        record(graph=name, tool="pyosmium+scipy", kernel="end-to-end", threads=1, compute_s=round(best[0], 3),
               cpu_s=round(best[1], 3), peak_rss_mb=round(best[2], 1))
        # pgRouting gets lc15's exported graph and the benchmark's facilities (its OSM import is
        # not timed, which favours it); its answers are checked against lc15_kernel's.
        gdir = os.path.join(work, f"e2e_{name}_graph")
        fac = os.path.join(gdir, "facilities.csv")
        run([lc15, "graph", "export", path, "--format", "csv", "-o", gdir])
        run([kernel_exe, "facilities", "--graph", gdir, "-o", fac])
        run([kernel_exe, "nearest", "--graph", gdir, "--facilities", fac, "-j", "1",
             "--out", os.path.join(gdir, "nearest.u32")])
        out, rss, wall = run([PY, os.path.join(HERE, "pgrouting_peer.py"), "nearest", gdir, fac,
                              os.path.join(work, f"e2e_{name}_pg.npy")])
        cmp, _, _ = run([PY, os.path.join(HERE, "compare.py"), "nearest", os.path.join(gdir, "nearest.u32"),
                         os.path.join(work, f"e2e_{name}_pg.npy")])
        record(graph=name, tool="pgrouting (import+query)", kernel="end-to-end", threads=1,
               compute_s=out["compute_s"], import_s=out["import_s"], query_s=out["query_s"],
               peak_rss_mb=round(rss, 1), disagree=cmp["disagree"])
    # pgRouting's own multi-start mode, for the record (its answers differ; see docs/BENCHMARKS.md).
    gdir = graphs[0][1]
    ans = os.path.join(work, "monaco_equicost.npy")
    out, _, _ = run([PY, os.path.join(HERE, "pgrouting_peer.py"), "nearest", gdir, os.path.join(gdir, "facilities.csv"),
                     ans, "equicost"])
    p = subprocess.run([PY, os.path.join(HERE, "compare.py"), "nearest",
                        os.path.join(work, "monaco_nearest_lc15.u32"), ans], capture_output=True, text=True)
    cmp = json.loads(p.stdout)
    record(graph="monaco", tool="pgrouting-equicost", kernel="nearest", threads=1, compute_s=out["compute_s"],
           disagree=cmp["disagree"], max_diff_m=cmp["max_diff_m"])

    write_results(rows, results)


def write_results(rows, results):
    keys = ["graph", "kernel", "tool", "threads", "compute_s", "peak_rss_mb", "disagree", "vertices", "arcs",
            "core_bytes", "bytes_per_arc", "facilities", "settled", "import_s", "query_s", "cpu_s", "max_diff_m", "version"]
    with open(os.path.join(results, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    lines = ["| graph | kernel | tool | threads | seconds | lc15 speed-up | peak RSS MB | answers disagreeing |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["kernel"] == "graph":
            continue
        base = None
        for o in rows:
            if o["graph"] == r["graph"] and o["kernel"] == r["kernel"] and o["tool"].startswith("lc15") \
                    and o.get("threads") == 1 and base is None:
                base = o
        two = next((o for o in rows if o["graph"] == r["graph"] and o["kernel"] == r["kernel"]
                    and o["tool"].startswith("lc15") and o.get("threads") == 2), None)
        speed = ""
        if base and not r["tool"].startswith("lc15") and r["compute_s"]:
            speed = f"{r['compute_s'] / base['compute_s']:.1f}x (1 thr)"
            if two:
                speed += f", {r['compute_s'] / two['compute_s']:.1f}x (2 thr)"
        elif r["tool"].startswith("lc15") and r.get("threads") == 2 and base:
            speed = f"{base['compute_s'] / r['compute_s']:.2f}x vs 1 thread"
        lines.append(f"| {r['graph']} | {r['kernel']} | {r['tool']} | {r.get('threads', '')} | {r['compute_s']:.4g} | "
                     f"{speed} | {r.get('peak_rss_mb', '')} | {r.get('disagree', '')} |")
    lines += ["", "| graph | vertices | arcs | core bytes | bytes per arc |", "|---|---|---|---|---|"]
    for r in rows:
        if r["kernel"] == "graph":
            lines.append(f"| {r['graph']} | {r['vertices']} | {r['arcs']} | {r['core_bytes']} | {r['bytes_per_arc']} |")
    lines += ["", "End to end, CPU seconds (user + system, all processes of the job; robust to a busy machine):", ""]
    for r in rows:
        if "cpu_s" in r:
            lines.append(f"- {r['graph']}: {r['tool']}, {r.get('threads')} thread(s): {r['cpu_s']} s CPU, {r['compute_s']} s wall")
    with open(os.path.join(results, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
