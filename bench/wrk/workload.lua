-- The bench's wrk script (bench/load.ts runs it): which request each connection sends next, the check
-- of each answer, and one machine-readable line at the end. Configured by environment variables:
--
--   KURZ_MODE        hot | zipf | uniform | sweep | create | mixed | fixed
--   KURZ_CODES_FILE  one code per line (hot: the first; zipf, sweep: the first KURZ_ZIPF_N; uniform: all of them)
--                    sweep: each code once, split between the threads (KURZ_THREADS), then the drain:
--                    the warm-up of a row over cached codes, so that its rounds measure them cached
--   KURZ_ZIPF_N      how many codes the Zipf(s=1) draw spreads over (zipf, mixed)
--   KURZ_SECONDS     how long each thread sends the workload's requests, from its first request
--   KURZ_MISSING     a code that does not exist (default "zzmissing"): the drain's requests, below
--   KURZ_TARGET      a code's target is KURZ_TARGET .. code (default "https://example.com/": bench/seed.ts)
--   KURZ_KEY         API key (create, mixed)
--   KURZ_RUN         a token that makes created URLs unique to this run (create, mixed)
--   KURZ_IDS_FILE    link ids to PATCH, one a line (mixed)
--   KURZ_MIX         mixed: percent creations and edits, "4,1" (the rest are redirects)
--   KURZ_METHOD, KURZ_PATH, KURZ_AUTH, KURZ_EXPECT, KURZ_LOCATION
--                    fixed: one request (method, path, Authorization), every answer with status
--                    KURZ_EXPECT and, if given, Location KURZ_LOCATION
--   KURZ_CHECK       1 (default): a response() callback checks each answer (status, and Location of a
--                    redirect against the code in its x-request-id); 0: no callback (wrk then counts
--                    only non-2xx/3xx answers, in summary.errors.status; to measure what the check costs)
--   KURZ_TAIL_MS     without the callback only: the drain is the last KURZ_TAIL_MS of KURZ_SECONDS
--   KURZ_DRAIN       0: no drain (for a server whose clicks are not checked: bench/http-scenario.ts)
--   KURZ_SEED        base of each thread's random seed
--
-- Each request carries x-request-id (the code, "c-<thread>-<n>" for a creation, "e-<thread>-<n>" for
-- an edit, "f-<thread>-<n>" for a fixed request), which Kurz and the ceiling echo: the answer says
-- which request it answers.
--
-- The drain. When wrk stops, up to one request per connection is still in flight: the server may
-- answer it, and count its click, while wrk never sees the answer. So after KURZ_SECONDS each thread
-- asks only for KURZ_MISSING (a 404, which Kurz does not count as a click), and once every request of
-- the workload it sent has been answered it prints "kurz-drained"; bench/load.ts stops wrk (SIGINT)
-- when every thread has. Whatever is still in flight then is a 404, so the 301s wrk saw are exactly
-- the redirects the server answered. wrk runs with a longer -d as a backstop; a thread that never
-- drains is reported (outstanding) and fails the run.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } kurz_timespec;
  int clock_gettime(int clk_id, kurz_timespec *tp);
]]
local ts = ffi.new("kurz_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local env = os.getenv
local MODE = env("KURZ_MODE") or "hot"
local SECONDS = tonumber(env("KURZ_SECONDS") or "10")
local TAIL_MS = tonumber(env("KURZ_TAIL_MS") or "0")
local MISSING = env("KURZ_MISSING") or "zzmissing"
local TARGET = env("KURZ_TARGET") or "https://example.com/"
local KEY = env("KURZ_KEY")
local RUN = env("KURZ_RUN") or "run"
local CHECK = (env("KURZ_CHECK") or "1") ~= "0"
local DRAIN = (env("KURZ_DRAIN") or "1") ~= "0"
-- when the drain starts, after a thread's first request; and how long the workload's requests ran
local DRAIN_AFTER_MS = not DRAIN and math.huge or SECONDS * 1000 - (CHECK and 0 or TAIL_MS)
local MAIN_SECONDS = DRAIN and DRAIN_AFTER_MS / 1000 or SECONDS
local FIXED = { method = env("KURZ_METHOD") or "GET", path = env("KURZ_PATH") or "/", auth = env("KURZ_AUTH"),
  expect = tonumber(env("KURZ_EXPECT") or "200"), location = env("KURZ_LOCATION") }
local BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

local function lines(file, limit)
  local out = {}
  if not file then return out end
  for line in io.lines(file) do
    if line ~= "" then
      out[#out + 1] = line
      if limit and #out >= limit then break end
    end
  end
  return out
end

-- main state: keep every thread, so that done() can read its counts
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

-- thread states
local codes, n, cdf, ids
local creates, edits = 0, 0
local deadline, issued, tailIssued = 0, 0, 0
local sent, made, edited = 0, 0, 0
local sweepNext, sweepStep = 1, 1
counts = {}      -- status → answers
bad = 0          -- answers that are not what their request asked for
badSample = ""   -- the first of them
mainIssued = 0   -- requests of the workload (before the drain)
outstanding = 0  -- of those, not answered yet
drained = false

function init(args)
  local tid = id or 0
  math.randomseed((tonumber(env("KURZ_SEED") or "0") or 0) + tid * 7919 + 1)
  if MODE == "hot" then
    codes = lines(env("KURZ_CODES_FILE"), 1)
  elseif MODE == "sweep" then
    codes = lines(env("KURZ_CODES_FILE"), tonumber(env("KURZ_ZIPF_N") or "100000"))
    n = #codes
    sweepNext, sweepStep = tid, tonumber(env("KURZ_THREADS") or "1")
  elseif MODE == "zipf" or MODE == "mixed" then
    n = tonumber(env("KURZ_ZIPF_N") or "100000")
    codes = lines(env("KURZ_CODES_FILE"), n)
    n = #codes
    -- Zipf(s=1): P(rank k) ∝ 1/k; the cumulative weights, searched by bisection per draw
    cdf = {}
    local total = 0
    for k = 1, n do
      total = total + 1 / k
      cdf[k] = total
    end
    for k = 1, n do cdf[k] = cdf[k] / total end
  elseif MODE == "uniform" then
    codes = lines(env("KURZ_CODES_FILE"))
    n = #codes
  end
  if MODE == "mixed" then
    ids = lines(env("KURZ_IDS_FILE"))
    local mix = env("KURZ_MIX") or "4,1"
    local c, e = mix:match("^(%d+),(%d+)$")
    creates, edits = tonumber(c), tonumber(e)
  end
end

local function zipf()
  local x = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < x then lo = mid + 1 else hi = mid end
  end
  return codes[lo]
end

-- KURZ_HOST: the codes of a custom domain, asked for under its host (wrk.format keeps a given "Host");
-- KURZ_LANG: an Accept-Language header (the routing rules' row: a language rule parses it)
local getHeaders = { ["user-agent"] = BROWSER, ["Host"] = env("KURZ_HOST"), ["accept-language"] = env("KURZ_LANG") }
local function get(code)
  getHeaders["x-request-id"] = code
  return wrk.format("GET", "/" .. code, getHeaders)
end

local fixedHeaders = { ["user-agent"] = BROWSER, ["authorization"] = FIXED.auth and ("Bearer " .. FIXED.auth) or nil }
local function fixed()
  sent = sent + 1
  fixedHeaders["x-request-id"] = "f-" .. (id or 0) .. "-" .. sent
  return wrk.format(FIXED.method, FIXED.path, fixedHeaders)
end

local function create()
  made = made + 1
  local rid = "c-" .. (id or 0) .. "-" .. made
  local body = '{"url":"https://example.com/' .. RUN .. "/" .. rid .. '"}'
  return wrk.format("POST", "/api/v1/links", {
    ["authorization"] = "Bearer " .. KEY, ["content-type"] = "application/json", ["x-request-id"] = rid,
  }, body)
end

local function edit()
  edited = edited + 1
  local rid = "e-" .. (id or 0) .. "-" .. edited
  local body = '{"url":"https://example.com/' .. RUN .. "/" .. rid .. '"}'
  return wrk.format("PATCH", "/api/v1/links/" .. ids[math.random(#ids)], {
    ["authorization"] = "Bearer " .. KEY, ["content-type"] = "application/json", ["x-request-id"] = rid,
  }, body)
end

-- wrk calls request() once on its first thread's state before that thread starts, to check what it
-- returns (wrk.c: script_verify_request), and never sends it: that call is not a request.
local verified = false

function request()
  if not verified and id == 1 then
    verified = true
    return get(MISSING)
  end
  if deadline == 0 then deadline = now_ms() + DRAIN_AFTER_MS end
  -- a sweep drains once its share of the codes is sent, whatever the time
  if MODE == "sweep" and sweepNext > n and deadline > now_ms() then deadline = now_ms() end
  if now_ms() >= deadline then
    tailIssued = tailIssued + 1
    return get(MISSING)
  end
  mainIssued = mainIssued + 1
  outstanding = outstanding + 1
  if MODE == "hot" then return get(codes[1]) end
  if MODE == "zipf" then return get(zipf()) end
  if MODE == "uniform" then return get(codes[math.random(n)]) end
  if MODE == "sweep" then
    sweepNext = sweepNext + sweepStep
    return get(codes[sweepNext - sweepStep])
  end
  if MODE == "create" then return create() end
  if MODE == "fixed" then return fixed() end
  -- mixed
  local r = math.random(100)
  if r <= creates then return create() end
  if r <= creates + edits then return edit() end
  return get(zipf())
end

local function wrong(what)
  bad = bad + 1
  if badSample == "" then badSample = what end
end

local check

local function answer(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  local rid = headers["x-request-id"] or headers["X-Request-Id"]
  if rid ~= MISSING then outstanding = outstanding - 1 end
  check(status, rid, headers, body)
  if not drained and outstanding == 0 and deadline > 0 and now_ms() >= deadline then
    drained = true
    io.write("kurz-drained\n")
    io.flush()
  end
end

check = function(status, rid, headers, body)
  if rid == nil then return wrong("no x-request-id on a " .. status) end
  if rid == MISSING then
    if status ~= 404 then wrong(rid .. " answered " .. status .. ", not 404") end
    return
  end
  local kind = rid:sub(1, 2)
  if kind == "f-" then
    if status ~= FIXED.expect then return wrong(rid .. " answered " .. status .. ", not " .. FIXED.expect) end
    local location = headers["location"] or headers["Location"]
    if FIXED.location and location ~= FIXED.location then wrong(rid .. " redirected to " .. tostring(location)) end
  elseif kind == "c-" then
    if status ~= 201 then return wrong(rid .. " answered " .. status .. ", not 201") end
    if not body:find(RUN .. "/" .. rid .. '"', 1, true) then wrong(rid .. ": the 201 is not the link asked for") end
  elseif kind == "e-" then
    if status ~= 200 then return wrong(rid .. " answered " .. status .. ", not 200") end
    if not body:find(RUN .. "/" .. rid .. '"', 1, true) then wrong(rid .. ": the 200 is not the edit asked for") end
  else
    if status ~= 301 then return wrong(rid .. " answered " .. status .. ", not 301") end
    local location = headers["location"] or headers["Location"]
    if location ~= TARGET .. rid then wrong(rid .. " redirected to " .. tostring(location)) end
  end
end
if CHECK then response = answer end

local function percentile(latency, p)
  local ok, v = pcall(function() return latency:percentile(p) end)
  return ok and v or 0
end

function done(summary, latency, requests)
  local total, issuedMain, badTotal, sample, left, drainedThreads = {}, 0, 0, "", 0, 0
  for _, thread in ipairs(threads) do
    left = left + (thread:get("outstanding") or 0)
    if thread:get("drained") then drainedThreads = drainedThreads + 1 end
    for status, count in pairs(thread:get("counts") or {}) do
      total[status] = (total[status] or 0) + count
    end
    issuedMain = issuedMain + (thread:get("mainIssued") or 0)
    badTotal = badTotal + (thread:get("bad") or 0)
    local s = thread:get("badSample") or ""
    if sample == "" then sample = s end
  end
  local parts = {}
  for status, count in pairs(total) do parts[#parts + 1] = string.format('"%d":%d', status, count) end
  local e = summary.errors
  io.write(string.format(
    'kurz-check {"checked":%s,"counts":{%s},"requests":%d,"mainIssued":%d,"outstanding":%d,"drained":%d,"threads":%d,'
      .. '"mainSeconds":%f,"durationUs":%d,'
      .. '"p50Us":%d,"p99Us":%d,"maxUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},'
      .. '"bad":%d,"badSample":"%s"}\n',
    CHECK and "true" or "false", table.concat(parts, ","), summary.requests, issuedMain, left, drainedThreads, #threads,
    MAIN_SECONDS, summary.duration,
    percentile(latency, 50), percentile(latency, 99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, badTotal, (sample:gsub('[%c"\\]', "?"))))
end
