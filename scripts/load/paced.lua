-- Constant-rate (open-model) pacing for Debian's wrk, which has no constant-rate mode of its own (that is wrk2).
-- Run with one connection per thread (wrk -tN -cN) and RATE, THREADS, PATHS (a file of request paths, one a line) and
-- SUMMARY (where to write the figures) in the environment. Each thread sends on a fixed schedule of RATE/THREADS
-- requests per second, the threads phase-shifted so the sends interleave, so the offered rate is RATE whatever the
-- server does. Latency is measured from each request's SCHEDULED send time, not from when it was actually sent: a
-- slow answer that holds up the next request counts against that request too (no coordinated omission). A send due
-- while its connection still waits for an answer goes out late, as soon as the answer arrives; those are counted.
-- wrk's timer is 1 ms: delays are rounded up, so a request may go out up to 1 ms after its schedule (counted in its latency).
local ffi = require("ffi")
ffi.cdef [[ typedef struct { long tv_sec; long tv_nsec; } interp_ts; int clock_gettime(int, interp_ts *); ]]
local tsbuf = ffi.new("interp_ts")
local function now_ms()
  ffi.C.clock_gettime(1, tsbuf) -- CLOCK_MONOTONIC
  return tonumber(tsbuf.tv_sec) * 1000 + tonumber(tsbuf.tv_nsec) / 1e6
end

local threads, nthreads = {}, 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  rate = tonumber(os.getenv("RATE") or "200")
  n = tonumber(os.getenv("THREADS") or "1")
  interval = 1000 * n / rate
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  idx = tid - 1                -- thread k sends paths k, k+n, k+2n, ...: together they walk the file in order
  lat, svc = {}, {}
  late, bad, statuses = 0, 0, {}
end

function delay()
  local t = now_ms()
  if next_at == nil then next_at = t + 20 + (tid - 1) * interval / n end
  scheduled = next_at
  next_at = next_at + interval
  local d = scheduled - t
  if d <= 0 then
    late = late + 1
    return 0
  end
  return math.ceil(d)
end

function request()
  local p = paths[(idx % #paths) + 1]
  idx = idx + n
  sent = now_ms()
  return wrk.format("GET", p)
end

function response(status, headers, body)
  local t = now_ms()
  lat[#lat + 1] = t - scheduled
  svc[#svc + 1] = t - sent
  if status >= 400 then bad = bad + 1 end
  statuses[status] = (statuses[status] or 0) + 1
end

local function pct(a, p)
  if #a == 0 then return 0 end
  local i = math.ceil(#a * p / 100)
  if i < 1 then i = 1 end
  return a[i]
end

function done(summary, latency, requests)
  local all, allsvc, nlate, nbad, codes = {}, {}, 0, 0, {}
  for _, t in ipairs(threads) do
    for _, v in ipairs(t:get("lat")) do all[#all + 1] = v end
    for _, v in ipairs(t:get("svc")) do allsvc[#allsvc + 1] = v end
    nlate = nlate + t:get("late")
    nbad = nbad + t:get("bad")
    for k, v in pairs(t:get("statuses")) do codes[k] = (codes[k] or 0) + v end
  end
  table.sort(all)
  table.sort(allsvc)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + nbad
  local codestr = ""
  for k, v in pairs(codes) do codestr = codestr .. string.format("%s%d:%d", codestr == "" and "" or ",", k, v) end
  local out = string.format(
    "offered_rps=%.1f achieved_rps=%.1f responses=%d duration_s=%.2f " ..
    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f " ..
    "service_p50_ms=%.2f service_p99_ms=%.2f late_sends=%d errors=%d http_errors=%d socket_errors=%d timeouts=%d statuses=%s\n",
    tonumber(os.getenv("RATE") or "200"), #all / secs, #all, secs,
    pct(all, 50), pct(all, 90), pct(all, 99), pct(all, 99.9), all[#all] or 0,
    pct(allsvc, 50), pct(allsvc, 99), nlate, errors, nbad, e.connect + e.read + e.write, e.timeout, codestr)
  io.write(out)
  local f = io.open(os.getenv("SUMMARY"), "w")
  f:write(out)
  f:close()
end
