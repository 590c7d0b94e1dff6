-- wrk script for bench/run: replays pre-signed SignalWire status callbacks.
--
--   wrk -t T -c C -d D -s bench/wrk/signed.lua http://127.0.0.1:PORT/status-callback \
--       -- DATAFILE T [READYFILE]
--
-- DATAFILE is written by bench/gen_requests.py for the same PORT (the
-- signature covers the URL): one request per line, "SIGNATURE BODY".  Each
-- wrk thread has its own Lua state; thread k of T keeps only lines with
-- (line number % T) == k, pre-builds them with wrk.format() in init(), and
-- cycles through them in request().  A thread repeats a request only after it
-- has sent its whole share; done() reports how many requests were repeats.
--
-- wrk runs init() for one thread after another and starts each thread as
-- soon as its own init() returns, but starts its clock only after the last
-- init(); with a large DATAFILE the first threads would send unmeasured
-- requests meanwhile and inflate req/s.  So the last thread creates READYFILE
-- (default DATAFILE..".ready") at the end of its init(), and every thread's
-- first real request() waits for it.  (wrk itself calls request() once on
-- thread 0's state from its main thread, right after that init(), to check
-- the script; that call must not wait, or wrk deadlocks, and is not counted.)
--
-- done() prints a one-line JSON summary prefixed "BENCH_JSON " and, if
-- $BENCH_WRK_JSON is set, also writes it to that file.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local reqs = {}
local n = 0
local i = 0
sent = 0   -- global so done() can read it with thread:get("sent")
share = 0

local readyfile
local waited = false
local verify_call = false

function init(args)
   local datafile = args[1] or "bench/results/requests.txt"
   local nthreads = tonumber(args[2] or "1")
   local my = id or 0
   readyfile = args[3] or (datafile .. ".ready")
   if my == 0 then
      os.remove(readyfile)
      verify_call = true
   end
   local t0 = os.clock()
   local path = wrk.path
   local line_no = 0
   -- BENCH_WRK_CLOSE=1: one connection per request, as a proxy without
   -- pooling forwards callbacks (wrk reconnects after each answer).
   local close = os.getenv("BENCH_WRK_CLOSE") == "1"
   for line in io.lines(datafile) do
      if line:byte(1) ~= 35 then -- not a "#" comment
         if line_no % nthreads == my then
            local sp = line:find(" ", 1, true)
            n = n + 1
            local headers = {
               ["Content-Type"] = "application/x-www-form-urlencoded",
               ["X-SignalWire-Signature"] = line:sub(1, sp - 1),
            }
            if close then headers["Connection"] = "close" end
            reqs[n] = wrk.format("POST", path, headers, line:sub(sp + 1))
         end
         line_no = line_no + 1
      end
   end
   share = n
   if n == 0 then
      error("thread " .. my .. " got no requests from " .. datafile)
   end
   io.stderr:write(string.format("wrk thread %d: %d requests loaded in %.1f s cpu\n", my, n, os.clock() - t0))
   if my == nthreads - 1 then
      local f = assert(io.open(readyfile, "w"))
      f:close()
   end
end

local function wait_ready()
   waited = true
   for _ = 1, 6000 do -- at most ~10 minutes
      local f = io.open(readyfile, "r")
      if f then f:close() return end
      os.execute("sleep 0.1")
   end
   error("timed out waiting for " .. readyfile)
end

function request()
   if verify_call then
      verify_call = false
      return reqs[1]
   end
   if not waited then wait_ready() end
   i = i + 1
   if i > n then i = 1 end
   sent = sent + 1
   return reqs[i]
end

function done(summary, latency, requests)
   local total_sent, repeats = 0, 0
   for _, t in ipairs(threads) do
      local s = t:get("sent") or 0
      local sh = t:get("share") or 0
      total_sent = total_sent + s
      if s > sh then repeats = repeats + (s - sh) end
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   local out = string.format(
      '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,' ..
      '"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_p999_us":%d,"lat_max_us":%d,' ..
      '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
      '"generated":%d,"repeats":%d,"repeat_share":%.4f}',
      summary.requests, secs, summary.requests / secs, summary.bytes,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout,
      total_sent, repeats, total_sent > 0 and repeats / total_sent or 0)
   io.write("BENCH_JSON " .. out .. "\n")
   local jsonfile = os.getenv("BENCH_WRK_JSON")
   if jsonfile and jsonfile ~= "" then
      local f = assert(io.open(jsonfile, "w"))
      f:write(out .. "\n")
      f:close()
   end
end
