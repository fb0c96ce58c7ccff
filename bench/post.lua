-- POSTs of one prepared body (a patrol tap, a photo) for bench.pages, turn by turn to each of
-- the addresses in BENCH_PATHS (so that no one item gathers every photo), reported like
-- report.lua.
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
local body = file:read("*a")
file:close()
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS"), "%S+") do
  paths[#paths + 1] = path
end
local turn = 0
request = function()
  turn = turn % #paths + 1
  return wrk.format("POST", paths[turn], nil, body)
end
dofile(os.getenv("BENCH_REPORT"))
