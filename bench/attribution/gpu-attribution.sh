#!/bin/sh
# Attribution on the GPU: jobs A (matrix products back to back) and B (the same products with
# pauses: a lighter load) each alone under `carbonlens run`, then both at once, each under its own
# `carbonlens run`. Each one's attributed GPU energy (its share of NVML's per-process SM
# utilisation x the GPU's energy above idle) should match its solo above-idle energy.
# Run from the repository root on an NVIDIA machine after `npm run build` (the device tool:
# carry .dev-carry and dist). Results: $OUT/attribution.json.
. bench/vit/device-setup.sh
CLI="/tmp/node dist/cli.js run --idle-ms 3000 --interval-ms 200 --json"
A="python3 bench/attribution/gpu_job.py 700 0"
B="python3 bench/attribution/gpu_job.py 350 12"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$OUT/gpu.txt"
$CLI --out "$OUT/a-solo.csv" -- $A > "$OUT/a-solo.out" 2> "$OUT/a-solo.json" || failed "$OUT/a-solo.json"
$CLI --out "$OUT/b-solo.csv" -- $B > "$OUT/b-solo.out" 2> "$OUT/b-solo.json" || failed "$OUT/b-solo.json"
$CLI --out "$OUT/a-both.csv" -- $A > "$OUT/a-both.out" 2> "$OUT/a-both.json" &
pa=$!
$CLI --out "$OUT/b-both.csv" -- $B > "$OUT/b-both.out" 2> "$OUT/b-both.json" &
pb=$!
wait $pa || failed "$OUT/a-both.json"
wait $pb || failed "$OUT/b-both.json"
/tmp/node bench/attribution/summary.mjs "$OUT" > "$OUT/attribution.json" || failed "$OUT/attribution.json"
cat "$OUT/attribution.json"
