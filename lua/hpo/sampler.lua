--- Built-in samplers. Each follows the sampler protocol (DESIGN.md section 4) that a user's
--- own sampler follows too:
---   sampler:setup(study, state)  once before the first ask; state is what :state() returned
---                                 when the study last stored it (nil for a new study)
---   sampler:ask(study) -> params | nil when the sampler has nothing left to propose
---   sampler:tell(study, trial)   after each finished trial (optional)
---   sampler:state() -> string    saved with every trial so a resumed study continues the
---                                 same sequence (optional)
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

local check_options = util.check_options

local function parse_state(state, pattern)
  if type(state) ~= 'string' then
    return nil
  end
  return state:match(pattern)
end

-- ---- random ----

local Random = { name = 'random' }
Random.__index = Random

--- Independent uniform sampling over the space (log-uniform for log parameters).
---@param opts {seed: integer}|nil
function M.random(opts)
  opts = check_options(util.where(), 'random', opts, { seed = 'integer' })
  return setmetatable({ seed = opts.seed }, Random)
end

function Random:setup(study, state)
  self.rng = core.rng(self.seed or util.fresh_seed())
  if state then
    self.rng:restore(state)
  end
  self.dim = study.space:dim()
end

function Random:ask(study)
  return (study.space:from_unit(self.rng:uniform(self.dim)))
end

function Random:state()
  return self.rng:state()
end

-- ---- qmc ----

local Qmc = { name = 'qmc' }
Qmc.__index = Qmc

--- Scrambled Sobol points (Joe-Kuo direction numbers): even coverage for small budgets.
--- opts.scramble = false gives the plain sequence, which starts at the origin.
---@param opts {seed: integer, scramble: boolean}|nil
function M.qmc(opts)
  local where = util.where()
  opts = check_options(where, 'qmc', opts, { seed = 'integer', scramble = 'boolean' })
  return setmetatable({ seed = opts.seed, scramble = opts.scramble ~= false, where = where }, Qmc)
end

function Qmc:setup(study, state)
  local dim = study.space:dim()
  if dim > core.sobol_max_dim then
    util.fail(self.where, 'hpo.qmc: the space has %d parameters; Sobol supports up to %d',
      dim, core.sobol_max_dim)
  end
  local seed, index = parse_state(state, '^(%-?%d+):(%d+)$')
  self.seed = math.tointeger(seed) or self.seed or util.fresh_seed()
  self.sobol = core.sobol(dim, self.seed, self.scramble)
  if index then
    self.sobol:seek(math.tointeger(index))
  end
end

function Qmc:ask(study)
  return (study.space:from_unit(self.sobol:next()))
end

function Qmc:state()
  return ('%d:%d'):format(self.seed, self.sobol:index())
end

-- ---- grid ----

local GridSampler = { name = 'grid' }
GridSampler.__index = GridSampler

--- Every combination of the parameters' values: all values of int, discrete and choice
--- parameters, `n` evenly spaced points (log-spaced for log parameters) of continuous ones.
--- Visited in a seeded random order (shuffle = false: lexicographic). A conditional
--- parameter's values are only combined with the values that activate it.
---@param opts {n: integer, seed: integer, shuffle: boolean}|nil
function M.grid(opts)
  local where = util.where()
  opts = check_options(where, 'grid', opts, { n = 'integer', seed = 'integer',
    shuffle = 'boolean' })
  if opts.n and opts.n < 1 then
    util.fail(where, 'hpo.grid: n must be >= 1, got %d', opts.n)
  end
  return setmetatable({ n = opts.n or 10, seed = opts.seed, shuffle = opts.shuffle ~= false,
    where = where }, GridSampler)
end

function GridSampler:setup(study, state)
  local seed, pos = parse_state(state, '^(%-?%d+):(%d+)$')
  self.seed = math.tointeger(seed) or self.seed or util.fresh_seed()
  self.pos = math.tointeger(pos) or 0
  local sizes = study.space.core:grid_sizes(self.n)
  local grid, err = core.grid(sizes, self.seed, self.shuffle)
  if not grid then
    util.fail(self.where, 'hpo.grid: %s', err)
  end
  self.grid = grid
end

--- Number of grid points (counting combinations of inactive parameters once each is not
--- possible without a walk, so this is an upper bound for conditional spaces).
function GridSampler:size()
  return self.grid:total()
end

function GridSampler:ask(study)
  local space = study.space
  while self.pos < self.grid:total() do
    local idx = self.grid:point(self.pos)
    self.pos = self.pos + 1
    local params, x = space:decode(space.core:grid_point(self.n, idx))
    -- An inactive parameter contributes only its first grid value; the others would repeat
    -- the same configuration.
    local duplicate = false
    for i = 1, #idx do
      if x[i] ~= x[i] and idx[i] ~= 0 then
        duplicate = true
        break
      end
    end
    if not duplicate then
      return params
    end
  end
  return nil
end

function GridSampler:state()
  return ('%d:%d'):format(self.seed, self.pos)
end

return M
