#!/usr/bin/env bash
# Load figures for `interp serve` (issue 14): wrk on loopback for 30 s each against the feature page and a filtered
# search, paced to about 200 requests/s with wrk's delay() hook (Debian's wrk has no constant-rate mode: each of C
# connections waits DELAY ms after each answer, so the rate is C*1000/(DELAY+latency); closed loop, so a slow answer
# delays the next request instead of queueing it — figures are not corrected for coordinated omission). Also samples
# the server's RSS once a second. Usage: scripts/load-serve.sh [OUT_DIR]   (needs a Release build of src/Interp.Host)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/load}
mkdir -p "$out"
work=$(mktemp -d /tmp/interp-load.XXXXXX)
port=5089
dll=src/Interp.Host/bin/Release/net10.0/interp.dll
export INTERP_LOAD_ADMIN_KEY=load-admin-key-0123456789
python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]; root = os.getcwd()
c = json.load(open("appsettings.json"))
c["Llm"]["store_path"] = f"{w}/llm.db"
c["Index"]["embedded"]["path"] = f"{w}/index.db"
c["Models"] = {"toy-small": {"path": f"{root}/evals/models/toy-small"}}
c["Saes"] = {"toy": {"path": f"{root}/evals/saes/toy-small-resid2-topk", "model": "toy-small", "cache": f"{w}/toy.cache.db"}}
c["Worker"].update({"sqlite_path": f"{w}/jobs.db", "data_dir": w})
c["Schedules"] = {"enabled": False, "suites": []}
c["Auth"] = {"keys": [{"name": "load", "scope": "admin", "key_env": "INTERP_LOAD_ADMIN_KEY", "requests_per_minute": 1000000}],
             "anonymous_read": True, "anonymous_requests_per_minute": 1000000, "max_body_bytes": 1048576}
json.dump(c, open(f"{w}/appsettings.json", "w"), indent=1)
ids = [x for row in json.load(open(f"{root}/evals/data/toy/heldout-seed2-ids-64x512.json")) for x in row]
json.dump([ids], open(f"{w}/ids.json", "w"))
topics = ["names of people", "numbers and counting", "colours of things", "places and cities", "animals", "weather", "food", "days"]
PY
dotnet "$dll" serve --config "$work/appsettings.json" --urls "http://127.0.0.1:$port" 2>"$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
H="X-Api-Key: $INTERP_LOAD_ADMIN_KEY"
job() { curl -sf -H "$H" -H 'Content-Type: application/json' -d "$1" "http://127.0.0.1:$port/api/jobs" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])'; }
wait_job() { for i in $(seq 1 600); do s=$(curl -sf "http://127.0.0.1:$port/api/jobs/$1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["state"])'); [ "$s" = succeeded ] && return 0; [ "$s" = failed ] && { echo "job $1 failed" >&2; exit 1; }; sleep 0.5; done; exit 1; }
wait_job "$(job "{\"kind\":\"cache_build\",\"args\":{\"sae\":\"toy\",\"ids\":\"$work/ids.json\",\"context\":64,\"batch\":16}}")"
# one offline-style record per feature (test records: varied texts so the search has work to do)
python3 - "$work" "$PWD" <<'PY'
import json, sys, hashlib
w, root = sys.argv[1], sys.argv[2]
h = hashlib.sha256()
for f in ["cfg.json", "sae_weights.safetensors"]:
    b = open(f"{root}/evals/saes/toy-small-resid2-topk/{f}", "rb").read()
    h.update(f"{f}:{len(b)}:".encode()); h.update(b)
sae = {"id": h.hexdigest(), "name": "toy-small-resid2-topk", "hook_name": "blocks.2.hook_resid_post", "layer": 2, "d_in": 128, "d_sae": 1024, "architecture": "topk"}
topics = ["names of people", "numbers and counting", "colours of things", "places and cities", "animals in the farm", "weather and rain", "food and cooking", "days of the week"]
with open(f"{w}/records.jsonl", "w") as f:
    for i in range(1024):
        r = {"schema_version": 1, "sae": sae, "model": {"id": "m", "name": "toy-small", "architecture": "gpt2"}, "feature": i,
             "explanations": [{"text": f"{topics[i % 8]} {i}", "explainer": "offline", "llm_model": None, "prompt_version": None, "cluster": None, "examples": []}],
             "scores": [{"method": "simulation", "capability": "load-test", "value": (i % 100) / 100, "ci_low": 0, "ci_high": 1, "explanation_index": 0, "metrics": {}, "examples": [], "llm_model": None, "prompt_version": None}],
             "provenance": {"run_id": "load", "created_at": "2026-12-01T00:00:00Z", "interp_version": "load"}}
        f.write(json.dumps(r) + "\n")
PY
wait_job "$(job "{\"kind\":\"index\",\"args\":{\"records\":\"$work/records.jsonl\"}}")"
feature="http://127.0.0.1:$port/features/toy/5"
search="http://127.0.0.1:$port/api/search?text=names%20of%20people&sae=toy&min_score=0.3&top=10"
curl -sf "$feature" >/dev/null && curl -sf "$search" >/dev/null
cat > "$work/pace.lua" <<'LUA'
function delay() return tonumber(os.getenv("PACE_MS") or "10") end
LUA
for name in feature search; do
  url=${!name}
  for i in $(seq 1 50); do curl -sf "$url" >/dev/null; done     # warm-up
  ( for s in $(seq 1 32); do ps -o rss= -p $pid; sleep 1; done ) > "$out/$name.rss" &
  sampler=$!
  PACE_MS=${PACE_MS:-15} wrk -t2 -c${CONNS:-4} -d30s --latency -s "$work/pace.lua" "$url" | tee "$out/$name.wrk"
  wait $sampler
  echo "$name RSS KiB (min/max/last): $(sort -n "$out/$name.rss" | head -1) / $(sort -n "$out/$name.rss" | tail -1) / $(tail -1 "$out/$name.rss")" | tee -a "$out/summary.txt"
done
