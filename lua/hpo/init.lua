--- hpo: hyperparameter optimisation with C engines. The same module serves study files run
--- by the hpolua program and plain Lua 5.4 programs (require('hpo')).
local core = require('hpo.core')
local sampler = require('hpo.sampler')
local space = require('hpo.space')
local study = require('hpo.study')

local M = {}

M.version = core.version
M.core = core

-- Search-space kinds.
M.uniform = space.uniform
M.loguniform = space.loguniform
M.int = space.int
M.discrete = space.discrete
M.choice = space.choice

-- Samplers.
M.random = sampler.random
M.qmc = sampler.qmc
M.grid = sampler.grid
M.tpe = require('hpo.tpe').tpe
M.gp = require('hpo.gp').gp
M.cmaes = require('hpo.cmaes').cmaes
M.reinforce = require('hpo.reinforce').reinforce
M.nsga2 = require('hpo.nsga2').nsga2

-- Schedulers (early stopping).
local scheduler = require('hpo.scheduler')
M.fifo = scheduler.fifo
M.median = scheduler.median
M.percentile = scheduler.percentile
M.asha = scheduler.asha
M.hyperband = scheduler.hyperband
M.pbt = scheduler.pbt
M.bohb = require('hpo.bohb').bohb

--- Define a study; see README.md for the fields. In a study file: return hpo.study({...}).
M.study = study.new

--- Benchmark functions with known optima, for examples and tests.
M.functions = require('hpo.functions')

return M
