--- Synthetic test functions with known minima (REFERENCE.md section 5), for examples,
--- tests and benchmarks.
local M = {}

local pi, cos, exp, sqrt = math.pi, math.cos, math.exp, math.sqrt

--- Branin on [-5, 10] x [0, 15]; minimum 0.397887357730 at three points.
function M.branin(x, y)
  local a, b, c = 1, 5.1 / (4 * pi ^ 2), 5 / pi
  local r, s, t = 6, 10, 1 / (8 * pi)
  return a * (y - b * x ^ 2 + c * x - r) ^ 2 + s * (1 - t) * cos(x) + s
end
M.branin_min = 0.397887357730

--- Rosenbrock in any dimension; minimum 0 at (1, ..., 1).
function M.rosenbrock(x)
  local f = 0
  for i = 1, #x - 1 do
    f = f + 100 * (x[i + 1] - x[i] ^ 2) ^ 2 + (1 - x[i]) ^ 2
  end
  return f
end

--- Ackley (a = 20, b = 0.2, c = 2 pi); minimum 0 at the origin.
function M.ackley(x)
  local d, s1, s2 = #x, 0, 0
  for i = 1, d do
    s1 = s1 + x[i] ^ 2
    s2 = s2 + cos(2 * pi * x[i])
  end
  return -20 * exp(-0.2 * sqrt(s1 / d)) - exp(s2 / d) + 20 + exp(1)
end

--- Sphere; minimum 0 at the origin.
function M.sphere(x)
  local f = 0
  for i = 1, #x do
    f = f + x[i] ^ 2
  end
  return f
end

local H6_A = {
  { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 },
  { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 },
}
local H6_P = {
  { 1312, 1696, 5569, 124, 8283, 5886 }, { 2329, 4135, 8307, 3736, 1004, 9991 },
  { 2348, 1451, 3522, 2883, 3047, 6650 }, { 4047, 8828, 8732, 5743, 1091, 381 },
}
local H_ALPHA = { 1.0, 1.2, 3.0, 3.2 }

--- Hartmann6 on [0, 1]^6; minimum -3.32237.
function M.hartmann6(x)
  local f = 0
  for i = 1, 4 do
    local s = 0
    for j = 1, 6 do
      s = s + H6_A[i][j] * (x[j] - 1e-4 * H6_P[i][j]) ^ 2
    end
    f = f - H_ALPHA[i] * exp(-s)
  end
  return f
end
M.hartmann6_min = -3.32237

--- Six-hump camel on [-3, 3] x [-2, 2]; minimum -1.0316284535.
function M.camel(x, y)
  return (4 - 2.1 * x ^ 2 + x ^ 4 / 3) * x ^ 2 + x * y + (-4 + 4 * y ^ 2) * y ^ 2
end

return M
