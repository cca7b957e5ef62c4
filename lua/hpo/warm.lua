--- Warm starting from earlier studies (REFERENCE.md section 8): read their complete trials,
--- map them into this study's space by parameter name and kind, and standardise each
--- source's values, so that samplers and the study can start from what they found.
---
--- Mapping rules: a parameter is taken from a source trial when the source has a parameter
--- of that name and kind; a numeric value outside the new range is clipped into it, a
--- categorical or discrete value the new parameter does not have drops the trial, as does a
--- missing active parameter. Values are standardised per source study ((v - mean) / sd,
--- sign-flipped for a maximised source) so lower is better across sources.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

-- Normalise the warm_start list: strings or { path, study = name, weight = w }.
function M.sources(list, where)
  local out = {}
  for i, s in ipairs(list) do
    if type(s) == 'string' then
      out[i] = { path = s, weight = 1 }
    elseif type(s) == 'table' and type(s[1] or s.path) == 'string' then
      out[i] = { path = s[1] or s.path, study = s.study, weight = s.weight or 1 }
    else
      util.fail(where, 'hpo.study: warm_start[%d] must be a path or { path, study =, weight = }',
        i)
    end
  end
  return out
end

-- Map one source trial's params into the space; nil, why when it cannot be.
local function map(space, stored_space, params)
  local out = {}
  for _, name in ipairs(space.names) do
    local p, v, d = space.params[name], params[name], stored_space[name]
    if v ~= nil then
      if not d or d.kind ~= p.kind then
        return nil, ("parameter '%s' is a %s there"):format(name, d and d.kind or 'missing')
      end
      if p.values then
        local found
        for _, w in ipairs(p.values) do
          if w == v then
            found = w
          end
        end
        if found == nil then
          return nil, ("parameter '%s' has no value %s here"):format(name, util.show(v))
        end
        v = found
      else
        v = math.min(math.max(v, p.lo), p.hi)  -- clipped into the new range
        if p.kind == 'int' then
          local step = p.step or 1
          v = math.tointeger(p.lo + math.floor((v - p.lo) / step + 0.5) * step)
        elseif p.step then
          v = p.lo + math.floor((v - p.lo) / p.step + 0.5) * p.step
        end
      end
      out[name] = v
    end
  end
  local checked, err = space:check_params(out)
  if not checked then
    return nil, err
  end
  return checked
end

--- Load the sources' trials: a list of { params, z, source, weight } (z: standardised value,
--- lower is better) and notes on what could not be used.
function M.load(space, sources)
  local points, notes = {}, {}
  for _, src in ipairs(sources) do
    local store, err = core.open_store(src.path, true)
    if not store then
      notes[#notes + 1] = ('%s: %s'):format(src.path, err)
    else
      for _, s in ipairs(assert(store:studies())) do
        if not src.study or s.name == src.study then
          local stored_space = util.json_decode(s.space) or {}
          local rows, values, dropped, why = {}, {}, 0, nil
          for _, t in ipairs(assert(store:trials(s.id))) do
            if t.state == 'COMPLETE' and t.value then
              local params, w = map(space, stored_space, util.json_decode(t.params) or {})
              if params then
                rows[#rows + 1] = { params = params, value = t.value }
                values[#values + 1] = t.value
              else
                dropped, why = dropped + 1, w
              end
            end
          end
          if dropped > 0 then
            notes[#notes + 1] = ('%s (%s): %d trials not used: %s'):format(src.path, s.name,
              dropped, why)
          end
          local mean, var = 0, 0
          for _, v in ipairs(values) do
            mean = mean + v / #values
          end
          for _, v in ipairs(values) do
            var = var + (v - mean) ^ 2 / #values
          end
          local sd = math.sqrt(var) > 0 and math.sqrt(var) or 1
          local sign = s.direction == 'maximize' and -1 or 1
          for _, r in ipairs(rows) do
            points[#points + 1] = { params = r.params, z = sign * (r.value - mean) / sd,
              source = src.path, weight = src.weight }
          end
        end
      end
      store:close()
    end
  end
  table.sort(points, function(a, b)
    return a.z < b.z
  end)
  return points, notes
end

--- The best k distinct configurations among the points (sorted, best first).
function M.best_distinct(points, k)
  local out, seen = {}, {}
  for _, p in ipairs(points) do
    if #out >= k then
      break
    end
    local key = util.json_encode(p.params)
    if not seen[key] then
      seen[key] = true
      out[#out + 1] = p.params
    end
  end
  return out
end

return M
