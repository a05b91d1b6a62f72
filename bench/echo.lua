-- POST a JSON body for the echo scenario. The body comes from a file (written by the harness,
-- so the measured body is the one it verified); without one, a body of about 1 KB is built here.
-- Usage: wrk -t1 -c100 -d5s -s bench/echo.lua http://127.0.0.1:3000/echo -- /tmp/body.json
local request_bytes

local function built_body()
  local fields = {}
  for i = 0, 31 do
    fields[#fields + 1] = string.format('"field%02d":"%s"', i, string.rep("a", 23))
  end
  return "{" .. table.concat(fields, ",") .. "}"
end

function init(args)
  local body
  if args[1] then
    local file = assert(io.open(args[1], "rb"))
    body = file:read("*a")
    file:close()
  else
    body = built_body()
  end
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  request_bytes = wrk.format()
end

function request()
  return request_bytes
end
