-- Multi-objective test problems of REFERENCE.md section 4, over x in [0, 1]^n, minimised,
-- with the hypervolume reference point of the README's table and the true front's
-- hypervolume there.
local M = {}

local function zdt(n, h)
  return {
    n = n, m = 2, ref = { 1.1, 1.1 },
    f = function(x)
      local g = 0
      for i = 2, n do
        g = g + x[i]
      end
      g = 1 + 9 * g / (n - 1)
      return { x[1], g * h(x[1] / g, x[1]) }
    end,
  }
end

M.zdt1 = zdt(30, function(r) return 1 - math.sqrt(r) end)
M.zdt1.true_hv = 0.876667
M.zdt2 = zdt(30, function(r) return 1 - r * r end)
M.zdt2.true_hv = 0.543333
M.zdt3 = zdt(30, function(r, f1) return 1 - math.sqrt(r) - r * math.sin(10 * math.pi * f1) end)
M.zdt3.true_hv = 1.33176

-- DTLZ2 with 3 objectives and n = 12 (k = 10 distance variables).
M.dtlz2 = {
  n = 12, m = 3, ref = { 1.1, 1.1, 1.1 }, true_hv = 0.807401,
  f = function(x)
    local g = 0
    for i = 3, 12 do
      g = g + (x[i] - 0.5) ^ 2
    end
    local a, b = x[1] * math.pi / 2, x[2] * math.pi / 2
    return { (1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b),
      (1 + g) * math.sin(a) }
  end,
}

--- The study fields of a problem: a space of x01..xNN in [0, 1], the directions, and an
--- objective that returns the list of values.
function M.study_fields(prob)
  local hpo = require('hpo')
  local space, dirs, names = {}, {}, {}
  for i = 1, prob.n do
    names[i] = ('x%02d'):format(i)
    space[names[i]] = hpo.uniform(0, 1)
  end
  for i = 1, prob.m do
    dirs[i] = 'minimize'
  end
  return space, dirs, function(p)
    local x = {}
    for i = 1, prob.n do
      x[i] = p[names[i]]
    end
    return prob.f(x)
  end
end

return M
