-- The benchmark problems of bench/functions.py, for hpolua: name -> {dims, f, min}.
local f = require('hpo.functions')

local function vec(prefix, n)
  return function(p)
    local x = {}
    for i = 0, n - 1 do
      x[#x + 1] = p[prefix .. i]
    end
    return x
  end
end

local function dims(n, lo, hi)
  local d = {}
  for i = 0, n - 1 do
    d[#d + 1] = { 'x' .. i, lo, hi }
  end
  return d
end

local h6, r5, a5 = vec('x', 6), vec('x', 5), vec('x', 5)
return {
  branin = { dims = { { 'x', -5, 10 }, { 'y', 0, 15 } }, min = f.branin_min,
    f = function(p) return f.branin(p.x, p.y) end },
  hartmann6 = { dims = dims(6, 0, 1), min = f.hartmann6_min,
    f = function(p) return f.hartmann6(h6(p)) end },
  rosenbrock5 = { dims = dims(5, -5, 10), min = 0, f = function(p) return f.rosenbrock(r5(p)) end },
  ackley5 = { dims = dims(5, -10, 30), min = 0, f = function(p) return f.ackley(a5(p)) end },
}
