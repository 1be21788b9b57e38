#!/usr/bin/env bash
# Preparation images/s on one core and on two of this machine, in turns (a shared machine's load
# changes under a run; bench/pipeline/summary.mjs takes each case's median), on 1,024 of the
# 640x480 JPEGs (128 files, each read 8 times), resized on the workers as on a CPU device:
#  - one core: the pool (1 worker) and its owner pinned to CPU 0 (taskset);
#  - two cores: 2 workers, each on a CPU of its own as the pool places them, the owner unpinned;
#  - 1 worker with two cores: on CPU 1, its owner unpinned;
# with the machine's load before and after, and, in the same turns, a plain CPU loop on one core
# and on two (what the machine lets any work scale to then).
# After `npm run build`:
#   bash bench/pipeline/scaling-here.sh [TURNS=5] > bench/results/pipeline-here.jsonl
set -euo pipefail
turns=${1:-5}
dir=/tmp/carbonlens-jpegs-here
[ -f $dir/labels.csv ] || node bench/pipeline/make_jpegs.mjs $dir 128 > /dev/null
load() { node -p 'JSON.stringify(require("os").loadavg())'; }
before=$(load)
spin() {
  node -e '
    const { Worker } = require("node:worker_threads");
    const loop = `const { parentPort } = require("node:worker_threads"); let n = 0; const t = Date.now();
      while (Date.now() - t < 1000) { for (let i = 0; i < 1e4; i++) Math.sqrt(i); n++; } parentPort.postMessage(n);`;
    const k = Number(process.argv[1]);
    Promise.all(Array.from({ length: k }, () => new Promise((r) => new Worker(loop, { eval: true }).on("message", r))))
      .then((ns) => console.log(JSON.stringify({ measure: "cpu loop", threads: k, loops_per_s: ns.reduce((a, b) => a + b, 0) })));' "$1"
}
pool() { POOL_ONLY=1 RESIZE=workers UV_THREADPOOL_SIZE=6 $2 node out/bench/pipelineProfile.mjs $dir $1 1024 | grep '"pool"' | sed "s/^{/{\"cores\":$3,/"; }
for _ in $(seq "$turns"); do
  pool 1 "taskset -c 0" 1
  taskset -c 0 bash -c "$(declare -f spin); spin 1"
  pool 2 "" 2
  spin 2
  pool 1 "" 2
done
echo "{\"load\":{\"cpus\":$(nproc),\"loadavg_before\":$before,\"loadavg_after\":$(load),\"note\":\"a shared 2-core machine: other engineers' builds and tests ran beside it\"}}"
