-- wrk script for bench/throughput.py: sends the requests listed in the file named by
-- $CASEWORK_BENCH_REQUESTS, one after another, each thread starting at a different place.
-- Each line of the file is tab-separated: "H", name, value (a header sent with every request),
-- or method, path and an optional body.
local headers = {}
local requests = {}
local position = 1
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end

function init(args)
  for line in io.lines(os.getenv("CASEWORK_BENCH_REQUESTS")) do
    local kind, first, rest = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    if kind == "H" then
      headers[first] = rest
    elseif kind then
      requests[#requests + 1] = {kind, first, rest ~= "" and rest or nil}
    end
  end
  position = ((offset or 0) % #requests) + 1
end

function request()
  local r = requests[position]
  position = (position % #requests) + 1
  return wrk.format(r[1], r[2], headers, r[3])
end
