--- Search-space DSL: parameter kinds, conditions, validation, and the encoding between
--- parameter tables and the engines' vectors (DESIGN.md section 3). The numeric encoding
--- itself is in C (src/core/space.c); this module names, validates and orders.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

---@class hpo.Param
---@field kind string  'uniform'|'loguniform'|'int'|'discrete'|'choice'
---@field where string|nil  file:line where it was declared
local Param = {}
Param.__index = Param
M.Param = Param

local function is_param(v)
  return getmetatable(v) == Param
end
M.is_param = is_param

local function check_number(where, what, v)
  if type(v) ~= 'number' then
    util.fail(where, '%s must be a number, got %s', what, type(v))
  end
end

local function check_opts(where, opts, allowed)
  if opts == nil then
    return {}
  end
  if type(opts) ~= 'table' then
    util.fail(where, 'options must be a table, got %s', type(opts))
  end
  for k in pairs(opts) do
    if not allowed[k] then
      local names = util.sorted_keys(allowed)
      util.fail(where, "unknown option '%s'%s", tostring(k), util.suggest(tostring(k), names))
    end
  end
  return opts
end

local function new_param(p)
  p.where = p.where or util.where()
  return setmetatable(p, Param)
end

--- A real in [lo, hi]; opts.step puts it on a grid lo, lo+step, ..., hi; opts.log samples
--- uniformly in log space.
---@return hpo.Param
function M.uniform(lo, hi, opts)
  local where = util.where()
  check_number(where, 'uniform: low', lo)
  check_number(where, 'uniform: high', hi)
  opts = check_opts(where, opts, { step = true, log = true })
  return new_param({ kind = 'uniform', lo = lo, hi = hi, step = opts.step, log = opts.log and true,
    where = where })
end

--- A real in [lo, hi], sampled uniformly in log space (lo > 0).
---@return hpo.Param
function M.loguniform(lo, hi)
  local where = util.where()
  check_number(where, 'loguniform: low', lo)
  check_number(where, 'loguniform: high', hi)
  return new_param({ kind = 'loguniform', lo = lo, hi = hi, log = true, where = where })
end

--- An integer in [lo, hi]; opts.step (default 1) and opts.log.
---@return hpo.Param
function M.int(lo, hi, opts)
  local where = util.where()
  check_number(where, 'int: low', lo)
  check_number(where, 'int: high', hi)
  opts = check_opts(where, opts, { step = true, log = true })
  return new_param({ kind = 'int', lo = lo, hi = hi, step = opts.step, log = opts.log and true,
    where = where })
end

local function check_values(where, kind, values)
  if type(values) ~= 'table' then
    util.fail(where, '%s: expected a list of values, got %s', kind, type(values))
  end
  if #values == 0 then
    util.fail(where, '%s: needs at least one value', kind)
  end
  local seen = {}
  for i, v in ipairs(values) do
    local t = type(v)
    if t ~= 'number' and t ~= 'string' and t ~= 'boolean' then
      util.fail(where, '%s: value %d must be a number, string or boolean, got %s', kind, i, t)
    end
    if kind == 'discrete' and t ~= 'number' then
      util.fail(where, 'discrete: value %d must be a number (use hpo.choice for others)', i)
    end
    if seen[v] then
      util.fail(where, '%s: value %s appears twice', kind, util.show(v))
    end
    seen[v] = true
  end
  local copy = table.move(values, 1, #values, 1, {})
  if kind == 'discrete' then
    table.sort(copy)
  end
  return copy
end

--- One of an ordered set of numbers (sorted; neighbours are similar).
---@return hpo.Param
function M.discrete(values)
  local where = util.where()
  return new_param({ kind = 'discrete', values = check_values(where, 'discrete', values),
    where = where })
end

--- One of an unordered set of values (categorical).
---@return hpo.Param
function M.choice(values)
  local where = util.where()
  return new_param({ kind = 'choice', values = check_values(where, 'choice', values),
    where = where })
end

--- Make the parameter active only when `param` has `value` (or one of a list of values).
---@param param string
---@return hpo.Param
function Param:when(param, value)
  local where = util.where()
  if type(param) ~= 'string' then
    util.fail(where, 'when: the parameter name must be a string, got %s', type(param))
  end
  if value == nil then
    util.fail(where, "when: needs the value of '%s' that activates this parameter", param)
  end
  local values = type(value) == 'table' and value or { value }
  if #values == 0 then
    util.fail(where, 'when: needs at least one value')
  end
  local p = setmetatable({}, Param)
  for k, v in pairs(self) do
    p[k] = v
  end
  p.cond = { param = param, values = table.move(values, 1, #values, 1, {}), where = where }
  return p
end

-- The C dimension spec of a parameter.
local function dim_spec(p)
  if p.kind == 'uniform' or p.kind == 'loguniform' then
    return { kind = 'float', lo = p.lo, hi = p.hi, step = p.step, log = p.log }
  elseif p.kind == 'int' then
    return { kind = 'int', lo = p.lo, hi = p.hi, step = p.step or 1, log = p.log }
  elseif p.kind == 'discrete' then
    return { kind = 'ordinal', n = #p.values }
  else
    return { kind = 'categorical', n = #p.values }
  end
end

--- A canonical description of a parameter (stored with the study; compared on resume).
local function describe(p)
  local d = { kind = p.kind }
  if p.values then
    d.values = p.values
  else
    d.lo, d.hi, d.step, d.log = p.lo, p.hi, p.step, p.log or nil
  end
  if p.cond then
    d.when = { param = p.cond.param, values = p.cond.values }
  end
  return d
end

local function render(d)
  if d.values then
    local vs = {}
    for i, v in ipairs(d.values) do
      vs[i] = util.show(v)
    end
    return ('%s({%s})'):format(d.kind, table.concat(vs, ', '))
  end
  local extra = ''
  if d.step then
    extra = extra .. ', step=' .. util.show(d.step)
  end
  if d.log and d.kind ~= 'loguniform' then
    extra = extra .. ', log'
  end
  return ('%s(%s, %s%s)'):format(d.kind, util.show(d.lo), util.show(d.hi), extra)
end

local function has_value(p, v)
  if p.values then
    for _, x in ipairs(p.values) do
      if x == v then
        return true
      end
    end
    return false
  end
  if p.kind == 'int' then
    local step = p.step or 1
    return math.type(v) ~= nil and v >= p.lo and v <= p.hi and (v - p.lo) % step == 0
  end
  return false
end

---@class hpo.Space
---@field names string[]  parameter names, sorted: the order of the encoded vector
---@field params table<string, hpo.Param>
---@field core userdata  hpo.Space from hpo.core
---@field order string[]  names with every condition's parent before its children
local Space = {}
Space.__index = Space
M.Space = Space

-- Validate one parameter's own definition through the C checks.
local function check_param(name, p)
  local ok, why = core.check_dim(dim_spec(p))
  if not ok then
    util.fail(p.where, "parameter '%s': %s", name, why)
  end
  if p.step ~= nil and (type(p.step) ~= 'number' or p.step <= 0) then
    util.fail(p.where, "parameter '%s': step must be a positive number", name)
  end
end

--- Build and validate a space from a table name -> hpo.Param. Errors name the parameter and
--- the file:line where it was declared (or `where` for the space table itself).
---@param def table<string, hpo.Param>
---@param where string|nil
---@return hpo.Space
function M.new(def, where)
  if type(def) ~= 'table' then
    util.fail(where, 'space must be a table of parameters, got %s', type(def))
  end
  local names = {}
  for name, p in pairs(def) do
    if type(name) ~= 'string' or not name:match('^[%a_][%w_%.%-]*$') then
      util.fail(where, 'space: parameter names must be identifiers, got %s', util.show(name))
    end
    if not is_param(p) then
      util.fail(util.where_field(name, where), "parameter '%s': expected hpo.uniform, "
        .. 'loguniform, int, discrete or choice, got %s', name, type(p))
    end
    check_param(name, p)
    names[#names + 1] = name
  end
  if #names == 0 then
    util.fail(where, 'space: needs at least one parameter')
  end
  table.sort(names)
  -- Conditions: known parent, a value the parent can take, no cycles.
  for _, name in ipairs(names) do
    local c = def[name].cond
    if c then
      local parent = def[c.param]
      if not parent then
        util.fail(c.where, "parameter '%s': condition on unknown parameter '%s'%s", name,
          c.param, util.suggest(c.param, names))
      end
      if parent.kind == 'uniform' or parent.kind == 'loguniform' then
        util.fail(c.where, "parameter '%s': condition on continuous parameter '%s'", name,
          c.param)
      end
      for _, v in ipairs(c.values) do
        if not has_value(parent, v) then
          util.fail(c.where, "parameter '%s': condition value %s is not a value of '%s'", name,
            util.show(v), c.param)
        end
      end
    end
  end
  local order, state = {}, {}
  local function visit(name, path)
    if state[name] == 'done' then
      return
    end
    if state[name] == 'visiting' then
      path[#path + 1] = name
      local p = def[name]
      util.fail(p.cond and p.cond.where or p.where, 'condition cycle: %s',
        table.concat(path, ' -> '))
    end
    state[name] = 'visiting'
    path[#path + 1] = name
    local c = def[name].cond
    if c then
      visit(c.param, path)
    end
    path[#path] = nil
    state[name] = 'done'
    order[#order + 1] = name
  end
  for _, name in ipairs(names) do
    visit(name, {})
  end
  local specs, index = {}, {}
  for i, name in ipairs(names) do
    specs[i] = dim_spec(def[name])
    index[name] = i
  end
  local params = {}
  for name, p in pairs(def) do
    params[name] = p
    p.name = name
  end
  local conditional = false
  for _, p in pairs(params) do
    conditional = conditional or p.cond ~= nil
  end
  return setmetatable({ names = names, params = params, order = order, index = index,
    conditional = conditional, core = core.space(specs) }, Space)
end

function Space:dim()
  return #self.names
end

--- Which parameters are active given (decoded) values, in dependency order.
local function active_set(self, value_of)
  local active = {}
  for _, name in ipairs(self.order) do
    local c = self.params[name].cond
    if not c then
      active[name] = true
    elseif active[c.param] then
      local v = value_of(c.param)
      for _, w in ipairs(c.values) do
        if v == w then
          active[name] = true
          break
        end
      end
    end
  end
  return active
end

local function to_value(p, raw)
  if p.values then
    return p.values[math.tointeger(raw) + 1]
  elseif p.kind == 'int' then
    return math.tointeger(raw) or math.floor(raw + 0.5)
  end
  return raw
end

--- Decode an encoded vector into a parameter table (inactive parameters absent) and the
--- canonical encoded vector (inactive coordinates NaN).
---@param x number[]
---@return table params, number[] x
function Space:decode(x)
  local raw = self.core:decode(x)
  local values = {}
  for i, name in ipairs(self.names) do
    values[name] = to_value(self.params[name], raw[i])
  end
  if not self.conditional then
    return values, x  -- every parameter is active
  end
  local active = active_set(self, function(n)
    return values[n]
  end)
  local params, canon = {}, {}
  for i, name in ipairs(self.names) do
    if active[name] then
      params[name] = values[name]
      canon[i] = x[i]
    else
      canon[i] = 0 / 0
    end
  end
  return params, canon
end

--- The conditions as encoded-space facts, parents' before their children's: a list of
--- { dim = i, parent = j, codes = { encoded values of parent j that activate i } }.
function Space:conditions()
  local out = {}
  for _, name in ipairs(self.order) do
    local c = self.params[name].cond
    if c then
      local j, codes = self.index[c.param], {}
      for k, v in ipairs(c.values) do
        codes[k] = self:encode({ [c.param] = v })[j]
      end
      out[#out + 1] = { dim = self.index[name], parent = j, codes = codes }
    end
  end
  return out
end

--- Map a point of the unit cube to a parameter table (see decode).
function Space:from_unit(u)
  return self:decode(self.core:from_unit(u))
end

--- Complete a partial parameter table: each active parameter it lacks takes its value at the
--- unit-cube point u (as from_unit would give it), and a parameter left inactive is removed.
function Space:complete(params, u)
  local drawn = self.core:decode(self.core:from_unit(u))
  local function value_of(name)
    local v = params[name]
    if v == nil then
      v = to_value(self.params[name], drawn[self.index[name]])
    end
    return v
  end
  local active, out = active_set(self, value_of), {}
  for _, name in ipairs(self.names) do
    if active[name] then
      out[name] = value_of(name)
    end
  end
  return out
end

--- Check a parameter table against the space (for enqueued or stored params) and return a
--- normalised copy (ints as integers). Returns nil, message when it does not fit.
function Space:check_params(params)
  if type(params) ~= 'table' then
    return nil, 'params must be a table'
  end
  for k in pairs(params) do
    if not self.params[k] then
      return nil, ("unknown parameter '%s'%s"):format(tostring(k),
        util.suggest(tostring(k), self.names))
    end
  end
  local active = active_set(self, function(n)
    return params[n]
  end)
  local out = {}
  for _, name in ipairs(self.names) do
    local p, v = self.params[name], params[name]
    if active[name] then
      if v == nil then
        return nil, ("parameter '%s' is missing"):format(name)
      end
      if p.values then
        local found
        for _, w in ipairs(p.values) do
          if w == v then
            found = w  -- the space's own value: 3, not 3.0 from JSON
          end
        end
        if found == nil then
          return nil, ("parameter '%s': %s is not one of its values"):format(name, util.show(v))
        end
        v = found
      else
        if type(v) ~= 'number' or v < p.lo or v > p.hi then
          return nil, ("parameter '%s': %s is outside [%s, %s]"):format(name, util.show(v),
            util.show(p.lo), util.show(p.hi))
        end
        if p.kind == 'int' then
          v = math.tointeger(v)
          if not v or not has_value(p, v) then
            return nil, ("parameter '%s': %s is not an integer on its step"):format(name,
              util.show(params[name]))
          end
        end
      end
      out[name] = v
    elseif v ~= nil then
      return nil, ("parameter '%s' is set but inactive (condition on '%s')"):format(name,
        p.cond.param)
    end
  end
  return out
end

--- Encode a (checked) parameter table; absent parameters are NaN.
function Space:encode(params)
  local v = {}
  for i, name in ipairs(self.names) do
    local p, x = self.params[name], params[name]
    if x == nil then
      v[i] = 0 / 0
    elseif p.values then
      for j, w in ipairs(p.values) do
        if w == x then
          v[i] = j - 1
        end
      end
    else
      v[i] = x
    end
  end
  return self.core:encode(v)
end

--- JSON-able canonical description: {name = {kind=..., ...}}.
function Space:describe()
  local d = {}
  for _, name in ipairs(self.names) do
    d[name] = describe(self.params[name])
  end
  return d
end

--- Rebuild a space from its stored description (Space:describe()), for reading a study
--- file without its study file.
function M.from_description(desc)
  local def = {}
  for name, d in pairs(desc) do
    local p
    if d.kind == 'discrete' then
      p = M.discrete(d.values)
    elseif d.kind == 'choice' then
      p = M.choice(d.values)
    elseif d.kind == 'loguniform' then
      p = M.loguniform(d.lo, d.hi)
    elseif d.kind == 'int' then
      p = M.int(math.tointeger(d.lo) or d.lo, math.tointeger(d.hi) or d.hi,
        { step = d.step and (math.tointeger(d.step) or d.step), log = d.log })
    else
      p = M.uniform(d.lo, d.hi, { step = d.step, log = d.log })
    end
    if d.when then
      p = p:when(d.when.param, d.when.values)
    end
    def[name] = p
  end
  return M.new(def)
end

--- Compare with a stored description; nil when compatible, else a message.
function Space:incompatibility(stored)
  local mine = self:describe()
  local same = util.deep_equal
  for _, name in ipairs(self.names) do
    if not stored[name] then
      return ("parameter '%s' was added"):format(name)
    elseif not same(stored[name], mine[name]) then
      return ("parameter '%s' changed from %s to %s"):format(name, render(stored[name]),
        render(mine[name]))
    end
  end
  for _, name in ipairs(util.sorted_keys(stored)) do
    if not mine[name] then
      return ("parameter '%s' was removed"):format(name)
    end
  end
  return nil
end

--- Render a parameter table compactly, in the space's order.
function Space:format_params(params)
  local parts = {}
  for _, name in ipairs(self.names) do
    if params[name] ~= nil then
      parts[#parts + 1] = name .. '=' .. util.show(params[name])
    end
  end
  return table.concat(parts, ' ')
end

return M
