-- Summarise "problem seed v1 v2 ..." lines from several samplers (a file per sampler) as a
-- table of median [first quartile, third quartile] per column. A value '-' (not measured)
-- is left out; a column with none prints '-'.
-- Environment: BUDGETS, the budgets the columns stand for (default 25,50,100); METRIC, the
-- word in the header (default regret); DIGITS, significant digits (default 4).
-- usage: lua5.4 bench/summarize.lua LABEL=FILE ...
local function quantile(t, q)
  table.sort(t)
  local pos = 1 + q * (#t - 1)
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, #t)
  return t[lo] + (pos - lo) * (t[hi] - t[lo])
end

local budgets = {}
for b in (os.getenv('BUDGETS') or '25,50,100'):gmatch('%d+') do
  budgets[#budgets + 1] = b
end
local metric = os.getenv('METRIC') or 'regret'
local digits = tonumber(os.getenv('DIGITS') or '4')
local cell = ('%%.%dg [%%.%dg, %%.%dg]'):format(digits, digits, digits)
local ncol = #budgets

local rows, labels, problems = {}, {}, {}
for _, a in ipairs(arg) do
  local label, file = a:match('^([^=]+)=(.+)$')
  labels[#labels + 1] = label
  for line in io.lines(file) do
    local fields = {}
    for f in line:gmatch('%S+') do
      fields[#fields + 1] = f
    end
    local prob = fields[1]
    if prob and tonumber(fields[2]) and #fields >= 2 + ncol then
      if not rows[prob] then
        rows[prob] = {}
        problems[#problems + 1] = prob
      end
      local r = rows[prob][label] or { n = 0 }
      rows[prob][label] = r
      r.n = r.n + 1
      for k = 1, ncol do
        r[k] = r[k] or {}
        local v = tonumber(fields[2 + k])
        if v then
          table.insert(r[k], v)
        end
      end
    end
  end
end
local head, rule = {}, {}
for k, b in ipairs(budgets) do
  head[k], rule[k] = ('%s @%s'):format(metric, b), '---'
end
print(('| problem | sampler | seeds | %s |'):format(table.concat(head, ' | ')))
print(('|---|---|---:|%s|'):format(table.concat(rule, '|')))
for _, prob in ipairs(problems) do
  for _, label in ipairs(labels) do
    local r = rows[prob][label]
    if r then
      local cells = {}
      for k = 1, ncol do
        local v = r[k]
        cells[k] = #v == 0 and '-' or cell:format(quantile(v, 0.5), quantile(v, 0.25),
          quantile(v, 0.75))
      end
      print(('| %s | %s | %d | %s |'):format(prob, label, r.n, table.concat(cells, ' | ')))
    end
  end
end
