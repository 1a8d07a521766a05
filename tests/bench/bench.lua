-- wrk script for `make bench`: rotates over the URLs (and bodies, headers) of a spec file
-- (a Lua chunk written by run.py) and prints a JSON summary with latency percentiles.
--   wrk -t2 -c16 -d10s -s bench.lua http://127.0.0.1:5180 -- spec.lua
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  spec = dofile(args[1])
  tid = tid or 0
  counter = tid
  math.randomseed(os.time() + tid * 7919)
  hits, misses, statuses = 0, 0, {}
end

-- what the server said besides the latency: status codes and page-cache hits (X-Page-Cache)
function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local cached = headers["X-Page-Cache"]
  -- anonymous entries (hit/miss) and signed-in readers' shells (member-hit/member-miss)
  if cached == "hit" or cached == "member-hit" then hits = hits + 1
  elseif cached == "miss" or cached == "member-miss" then misses = misses + 1 end
end

function request()
  local n = #spec.paths
  local i
  if spec.unique then
    -- each item at most once in the run: thread k takes items k, k + threads, ...
    i = (counter % n) + 1
    counter = counter + spec.threads
  else
    i = math.random(n)
  end
  local headers = {}
  for k, v in pairs(spec.headers or {}) do headers[k] = v end
  if spec.auth then headers["Authorization"] = spec.auth[((i - 1) % #spec.auth) + 1] end
  local body = spec.bodies and spec.bodies[i] or nil
  return wrk.format(spec.method, spec.paths[i], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local hit_total, miss_total, codes = 0, 0, {}
  for _, thread in ipairs(threads) do
    hit_total = hit_total + (thread:get("hits") or 0)
    miss_total = miss_total + (thread:get("misses") or 0)
    for code, n in pairs(thread:get("statuses") or {}) do codes[code] = (codes[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%s": %d', code, n)) end
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, "cache": {"hit": %d, "miss": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, hit_total, miss_total, table.concat(parts, ", ")))
end
