-- The data `hpolua report` embeds: history with the best so far, parameter positions,
-- slices, curves, importance, the contour grid, and for several objectives the front and
-- its hypervolume over time.
local hpo = require('hpo')
local report = require('hpo.report')
local space_mod = require('hpo.space')

local function stored(study_def)
  local r = hpo.study(study_def):optimize({ quiet = true })
  local space = space_mod.new(study_def.space)
  local study = { name = 'r', config = { metric = study_def.metric }, direction =
    study_def.direction or 'minimize' }
  if study_def.directions then
    study.objectives = {}
    for i, d in ipairs(study_def.directions) do
      study.objectives[i] = { name = study_def.metrics[i], direction = d }
    end
  end
  local curves = {}
  for _, t in ipairs(r.trials) do
    curves[t.number] = t.curve
  end
  return report.data(study, space, r.trials, curves), r
end

describe('hpolua report data', function()
  it('holds the history, positions, slices, curves, importance and contour', function()
    local d, r = stored({
      space = { x = hpo.uniform(0, 1), y = hpo.uniform(0, 1), act = hpo.choice({ 'a', 'b' }) },
      trials = 50, sampler = hpo.random({ seed = 1 }), scheduler = hpo.median({ startup = 5 }),
      objective = function(p, trial)
        local v = 10 * (p.x - 0.7) ^ 2 + 0.1 * p.y
        for step = 1, 4 do
          trial:report(step, v + 1 / step)
          if trial:should_prune() then
            return
          end
        end
        return v
      end,
    })
    assert.are.equal(50, #d.history)
    local best = math.huge
    for i, h in ipairs(d.history) do
      assert.are.equal(r.trials[i].number, h.number)
      if h.state == 'COMPLETE' then
        best = math.min(best, h.value)
      end
      if h.best then
        assert.are.equal(best, h.best)  -- the best so far, complete trials only
      end
    end
    for _, p in ipairs(d.params) do
      assert.is_true(p.pos >= 0 and p.pos <= 1)
    end
    assert.are.equal('x', d.importance[1].param)
    assert.are.equal('x', d.contour.x)  -- the two most important numeric parameters
    assert.are.equal('y', d.contour.y)
    assert.is_true(#d.curves >= 4 * 5)
    local pruned = false
    for _, h in ipairs(d.history) do
      pruned = pruned or h.state == 'PRUNED'
    end
    assert.is_true(pruned)  -- the median rule stopped some: they show, at their last value
    assert.are.equal(50, #d.trials)
    assert.is_true(d.trials[1].p_act == 'a' or d.trials[1].p_act == 'b')
  end)

  it('has the front and a growing hypervolume for several objectives', function()
    local d = stored({
      space = { x = hpo.uniform(0, 1) }, trials = 60, sampler = hpo.nsga2({ seed = 1,
        population = 10 }), directions = { 'minimize', 'minimize' }, metrics = { 'a', 'b' },
      objective = function(p)
        return { p.x, (1 - p.x) ^ 2 }
      end,
    })
    assert.are.equal(60, #d.front)
    local on = 0
    for _, f in ipairs(d.front) do
      on = on + (f.pareto and 1 or 0)
    end
    assert.are.equal(60, on)  -- every point of this problem is Pareto-optimal
    for i = 2, #d.hypervolume do
      assert.is_true(d.hypervolume[i].hypervolume >= d.hypervolume[i - 1].hypervolume)
    end
    local specs = {}
    for _, s in ipairs(report.specs(d)) do
      specs[s.id] = true
    end
    assert.is_true(specs.front and specs.hypervolume and specs.history and specs.parallel)
  end)

  it("shows every pair of three objectives, and trials' parameters on hover", function()
    local d = stored({
      space = { x = hpo.uniform(0, 1), y = hpo.uniform(0, 1) }, trials = 30,
      sampler = hpo.random({ seed = 2 }), directions = { 'minimize', 'minimize', 'minimize' },
      metrics = { 'a', 'b', 'c' },
      objective = function(p)
        return { p.x, p.y, 2 - p.x - p.y }
      end,
    })
    local front
    for _, s in ipairs(report.specs(d)) do
      if s.id == 'front' then
        front = s.spec
      end
    end
    assert.are.equal(3, #front.concat)  -- (a, b), (a, c), (b, c)
    assert.are.equal('f3', front.concat[3].encoding.y.field)
    local tip = {}
    for _, f in ipairs(front.concat[1].encoding.tooltip) do
      tip[f.field] = true
    end
    assert.is_true(tip.number and tip.f1 and tip.f3 and tip.p_x and tip.p_y)
    assert.are.equal(d.front[1].p_x, d.trials[1].p_x)
    assert.is_not_nil(d.history[1].p_y)
  end)
end)
