-- wrk script: HTMX status changes, alternating so that every request writes.
local path = os.getenv("BENCH_PATH")
local statuses = { "done", "learning" }
local count = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["HX-Request"] = "true"
wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")

request = function()
  count = count + 1
  local body = "status=" .. statuses[count % 2 + 1]
  return wrk.format(nil, path, nil, body)
end
