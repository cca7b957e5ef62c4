-- Summarise "problem seed r25 r50 r100" lines from several samplers (file per sampler) as a
-- table of median [first quartile, third quartile] regret.
-- usage: lua5.4 bench/summarize.lua LABEL=FILE ...
local function quantile(t, q)
  table.sort(t)
  local pos = 1 + q * (#t - 1)
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, #t)
  return t[lo] + (pos - lo) * (t[hi] - t[lo])
end

local rows, labels, problems = {}, {}, {}
for _, a in ipairs(arg) do
  local label, file = a:match('^([^=]+)=(.+)$')
  labels[#labels + 1] = label
  for line in io.lines(file) do
    local prob, _, r25, r50, r100 = line:match('^(%S+)%s+(%d+)%s+(%S+)%s+(%S+)%s+(%S+)')
    if prob then
      if not rows[prob] then
        rows[prob] = {}
        problems[#problems + 1] = prob
      end
      rows[prob][label] = rows[prob][label] or { {}, {}, {} }
      local r = rows[prob][label]
      table.insert(r[1], tonumber(r25))
      table.insert(r[2], tonumber(r50))
      table.insert(r[3], tonumber(r100))
    end
  end
end
-- The budgets the three columns stand for (BUDGETS=100,300,1000; default 25,50,100).
local b1, b2, b3 = (os.getenv('BUDGETS') or '25,50,100'):match('(%d+),(%d+),(%d+)')
print(('| problem | sampler | seeds | regret @%s | regret @%s | regret @%s |'):format(b1, b2, b3))
print('|---|---|---:|---|---|---|')
for _, prob in ipairs(problems) do
  for _, label in ipairs(labels) do
    local r = rows[prob][label]
    if r then
      local cells = {}
      for k = 1, 3 do
        cells[k] = ('%.3g [%.3g, %.3g]'):format(quantile(r[k], 0.5), quantile(r[k], 0.25),
          quantile(r[k], 0.75))
      end
      print(('| %s | %s | %d | %s |'):format(prob, label, #r[1], table.concat(cells, ' | ')))
    end
  end
end
