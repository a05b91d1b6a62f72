-- Pipelining for wrk: every write carries `depth` GET requests (default 16) for the URL's path.
-- wrk counts each response, so Requests/sec is HTTP requests, not writes.
-- Usage: wrk -t1 -c100 -d5s -s bench/pipeline.lua http://127.0.0.1:3000/ -- 16
local batch

function init(args)
  local depth = tonumber(args[1]) or 16
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format(nil)
  end
  batch = table.concat(requests)
end

function request()
  return batch
end
