-- One-sided Mann-Whitney rank-sum test on "problem seed v1 v2 ..." files: is column j of
-- file B larger (worse regret) than column i of file A, beyond what the seed-to-seed spread
-- explains? Prints one table row per problem: the medians and the p-value (normal
-- approximation with the tie correction; p < 0.05: B is worse beyond noise).
-- usage: lua5.4 bench/ranksum.lua NAME A_FILE:i B_FILE:j
local name, a, b = arg[1], arg[2], arg[3]

local function load(spec)
  local file, col = spec:match('^(.+):(%d+)$')
  local by = {}
  for line in io.lines(file) do
    local f = {}
    for w in line:gmatch('%S+') do
      f[#f + 1] = w
    end
    local v = tonumber(f[2 + tonumber(col)])
    if v then
      by[f[1]] = by[f[1]] or {}
      table.insert(by[f[1]], v)
    end
  end
  return by
end

local function median(t)
  local s = { table.unpack(t) }
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

-- Upper tail of the standard normal, erfc by Abramowitz and Stegun 7.1.26 (error < 1.5e-7).
local function upper_tail(z)
  local x = math.abs(z) / math.sqrt(2)
  local t = 1 / (1 + 0.3275911 * x)
  local poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
    + t * (-1.453152027 + t * 1.061405429))))
  local tail = 0.5 * poly * math.exp(-x * x)
  return z >= 0 and tail or 1 - tail
end

-- U of B over A (pairs where B's value is larger, ties half) and its one-sided p-value.
local function mann_whitney(xa, xb)
  local all = {}
  for _, v in ipairs(xa) do
    all[#all + 1] = { v = v, b = false }
  end
  for _, v in ipairs(xb) do
    all[#all + 1] = { v = v, b = true }
  end
  table.sort(all, function(p, q)
    return p.v < q.v
  end)
  local n1, n2, N = #xa, #xb, #all
  local rb, ties, i = 0, 0, 1
  while i <= N do
    local j = i
    while j < N and all[j + 1].v == all[i].v do
      j = j + 1
    end
    local rank, t = (i + j) / 2, j - i + 1
    ties = ties + t * t * t - t
    for k = i, j do
      if all[k].b then
        rb = rb + rank
      end
    end
    i = j + 1
  end
  local u = rb - n2 * (n2 + 1) / 2
  local mu = n1 * n2 / 2
  local var = n1 * n2 / 12 * ((N + 1) - ties / (N * (N - 1)))
  if var <= 0 then
    return u, 0.5
  end
  return u, upper_tail((u - mu - 0.5) / math.sqrt(var))
end

local A, B = load(a), load(b)
local probs = {}
for p in pairs(A) do
  if B[p] then
    probs[#probs + 1] = p
  end
end
table.sort(probs)
for _, p in ipairs(probs) do
  local u, pv = mann_whitney(A[p], B[p])
  print(('| %s | %s | %.4g | %.4g | %g | %.3f |'):format(p, name, median(A[p]), median(B[p]),
    u, pv))
end
