--- Parameter importance (fANOVA on a random forest, src/core/fanova.c; REFERENCE.md
--- section 10): which parameters the objective depends on, from a study's complete trials.
--- As Optuna does, only parameters active in every complete trial are assessed (a
--- conditional parameter is named in the notes instead).
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

--- Importances of the study's parameters: a list of { name, importance } sorted from the
--- most important, and notes. trials: records with params, state, value (or values);
--- opts: { objective = index for several objectives (1), seed = 0, trees = 64 }.
function M.compute(space, trials, opts)
  opts = opts or {}
  local k = opts.objective or 1
  local rows, ys = {}, {}
  for _, t in ipairs(trials) do
    local v = t.values and t.values[k] or (k == 1 and t.value)
    if t.state == 'COMPLETE' and type(v) == 'number' and v == v then
      rows[#rows + 1], ys[#ys + 1] = t.params, v
    end
  end
  local names, notes = {}, {}
  for _, name in ipairs(space.names) do
    local everywhere = true
    for _, p in ipairs(rows) do
      everywhere = everywhere and p[name] ~= nil
    end
    if everywhere then
      names[#names + 1] = name
    else
      notes[#notes + 1] = ("'%s' is not active in every trial: not assessed"):format(name)
    end
  end
  if #rows < 2 or #names == 0 then
    return {}, notes, #rows
  end
  -- Unit-cube columns: numeric coordinates as encoded, category k of n at (k + 0.5) / n.
  local col = {}
  for i, name in ipairs(space.names) do
    col[name] = i
  end
  local X = {}
  for r, params in ipairs(rows) do
    local x, row = space:encode(params), {}
    for j, name in ipairs(names) do
      local p, v = space.params[name], x[col[name]]
      row[j] = p.kind == 'choice' and (v + 0.5) / #p.values or v
    end
    X[r] = row
  end
  local imp = core.importance(X, ys, { seed = opts.seed or 0, trees = opts.trees })
  local out = {}
  for j, name in ipairs(names) do
    out[j] = { name = name, importance = imp[j] }
  end
  return util.sort_desc(out, 'importance', 'name'), notes, #rows
end

return M
