-- SPDX-License-Identifier: Apache-2.0
-- wrk script for scripts/bench-ccspd.sh: every request is POST PATH with BODY and an application session token
-- (Authorization: Bearer), read from the environment (CCSP_BENCH_PATH, CCSP_BENCH_BODY_FILE, CCSP_BENCH_TOKEN).
-- done() prints the request count, p50/p99 and the answers with a status above 399 (wrk's own count: a response()
-- callback would make wrk hand every answer to Lua, and the generator shares the 2 cores with the server) in a
-- line the script parses.
local path = os.getenv("CCSP_BENCH_PATH")
local token = os.getenv("CCSP_BENCH_TOKEN")
local f = assert(io.open(os.getenv("CCSP_BENCH_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.path = path
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function done(summary, latency, requests)
	local bad = summary.errors.status
	io.write(string.format("ccsp-bench: requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f status_4xx_5xx=%d errors=%d\n",
		summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
