local hpo = require('hpo')
local schedulers = require('hpo.scheduler')
local util = require('hpo._util')

-- A study whose trial with x = v reports v + 1/step for 8 steps and honours should_prune.
local function curve_study(scheduler, values, extra)
  local enqueue = {}
  for i, v in ipairs(values) do
    enqueue[i] = { x = v }
  end
  local def = {
    space = { x = hpo.uniform(0, 10) },
    objective = function(p, trial)
      for step = 1, 8 do
        trial:report(step, p.x + (extra and 1 / step or 0))
        if trial:should_prune() then
          return
        end
      end
      return p.x
    end,
    trials = #values,
    enqueue = enqueue,
    scheduler = scheduler,
    sampler = hpo.random({ seed = 1 }),
  }
  return hpo.study(def)
end

describe('hpo.asha', function()
  it('promotes exactly the best 1/eta at each rung', function()
    -- eta = 2, rungs at steps 1, 2 and 4. Values 5, 4, 6, 4.5 in this order:
    -- 5 and 4 lead every rung; 6 is not the best of {5, 4, 6} at rung 1; 4.5 is among the
    -- best 2 of 4 at rung 1 but not the best of {5, 4, 4.5} at rung 2.
    local r = curve_study(hpo.asha({ min = 1, max = 8, eta = 2 }), { 5, 4, 6, 4.5 })
      :optimize({ quiet = true })
    local states = {}
    for i, t in ipairs(r.trials) do
      states[i] = t.state
    end
    assert.are.same({ 'COMPLETE', 'COMPLETE', 'PRUNED', 'PRUNED' }, states)
    assert.are.equal('stopped at step 1 by asha', r.trials[3].reason)
    assert.are.equal('stopped at step 2 by asha', r.trials[4].reason)
    assert.are.equal(4.5, r.trials[4].value)  -- its last intermediate value
  end)
end)

describe('hpo.hyperband', function()
  it('has the reference brackets for R = 81, eta = 3', function()
    local hb = hpo.hyperband({ min = 1, max = 81, eta = 3 })
    local got = {}
    for i, b in ipairs(hb.brackets) do
      got[i] = { b.n, b.r }
    end
    assert.are.same({ { 81, 1 }, { 34, 3 }, { 15, 9 }, { 8, 27 }, { 5, 81 } }, got)
    -- Trials are dealt to brackets in proportion to n.
    local count = {}
    for number = 0, 142 do
      local b = hb:bracket_of(number)
      count[b] = (count[b] or 0) + 1
    end
    assert.are.same({ 81, 34, 15, 8, 5 }, count)
  end)

  it('stops trials only against trials of their own bracket', function()
    local hb = hpo.hyperband({ min = 1, max = 9, eta = 3 })
    local r = curve_study(hb, { 5, 4, 6, 3, 7, 8, 2, 9, 1, 4.5, 6.5, 7.5 })
      :optimize({ quiet = true })
    local pruned = 0
    for _, t in ipairs(r.trials) do
      if hb.brackets[hb:bracket_of(t.number)].r >= 9 then
        assert.are.equal('COMPLETE', t.state)  -- the last bracket never stops a trial
      end
      pruned = pruned + (t.state == 'PRUNED' and 1 or 0)
    end
    assert.is_true(pruned >= 3)
  end)
end)

describe('hpo.bohb', function()
  it('is Hyperband with its own sampler, which a study without one uses', function()
    local b = hpo.bohb({ min = 1, max = 27, eta = 3, seed = 1 })
    assert.are.equal('bohb', b.name)
    assert.are.same({ 1, 3, 9, 27 }, b.sampler.budgets)
    local s = hpo.study({ space = { x = hpo.uniform(0, 1) }, objective = function(p)
      return p.x
    end, scheduler = b })
    assert.are.equal(b.sampler, s.sampler)
  end)

  it('models the largest budget that has enough observations', function()
    local b = hpo.bohb({ min = 1, max = 9, eta = 3, seed = 2, min_points = 3 })
    local space = require('hpo.space').new({ x = hpo.uniform(0, 1) })
    local study = { space = space, direction = 'minimize', history = {} }
    b.sampler:setup(study, nil)
    local function add(n, reached)
      local curve = {}
      for step = 1, reached do
        curve[step] = { step, 1 / step }
      end
      study.history[#study.history + 1] = { number = n, state = reached == 9 and 'COMPLETE'
        or 'PRUNED', params = { x = n / 10 }, curve = curve }
    end
    for n = 1, 4 do
      add(n, 1)  -- pruned at the first rung
    end
    assert.are.equal(1, (b.sampler:budget(study)))
    for n = 5, 7 do
      add(n, 3)
    end
    assert.are.equal(3, (b.sampler:budget(study)))  -- 3 trials reached 3 (and 9 none)
    local _, obs = b.sampler:budget(study)
    assert.are.equal(3, #obs)
    assert.near(1 / 3, obs[1].value, 1e-12)
  end)

  it('steers Hyperband towards good configurations', function()
    -- Final loss (x - 0.8)^2 approached over 9 steps; BOHB's model should propose near 0.8
    -- more often than Hyperband with random sampling does.
    local function run(scheduler, sampler)
      local r = hpo.study({
        space = { x = hpo.uniform(0, 1) }, trials = 120, scheduler = scheduler,
        sampler = sampler,
        objective = function(p, trial)
          local loss
          for step = 1, 9 do
            loss = (p.x - 0.8) ^ 2 + 0.5 / step
            trial:report(step, loss)
            if trial:should_prune() then
              return
            end
          end
          return loss
        end,
      }):optimize({ quiet = true })
      local near = 0
      for i = 61, 120 do
        near = near + (math.abs(r.trials[i].params.x - 0.8) < 0.1 and 1 or 0)
      end
      return near
    end
    local bohb, hb = 0, 0
    for seed = 1, 3 do
      bohb = bohb + run(hpo.bohb({ min = 1, max = 9, eta = 3, seed = seed }))
      hb = hb + run(hpo.hyperband({ min = 1, max = 9, eta = 3 }), hpo.random({ seed = seed }))
    end
    -- Random sampling puts about 20% of trials within 0.1 of 0.8 (36 of 180). BOHB's model
    -- sees only the trials that reached its budget, so its lead is moderate.
    assert.is_true(bohb >= 1.25 * hb, ('bohb %d, hyperband %d of 180 near the optimum')
      :format(bohb, hb))
  end)

  it('explains bad options', function()
    local ok, err = pcall(hpo.bohb, { random_fraction = 2 })
    assert.is_false(ok)
    assert.matches('random_fraction must be in %[0, 1%]', tostring(err))
  end)
end)

describe('hpo.pbt', function()
  it('starts on resume the replacements it had planned but not started', function()
    local pbt = hpo.pbt({ seed = 1 })
    local study = { space = require('hpo.space').new({ lr = hpo.loguniform(1e-4, 1) }),
      direction = 'minimize', events = {
        { number = 3, kind = 'exploit-planned', data = { from = 1, step = 6,
          params = { lr = 0.01 } } },
        { number = 4, kind = 'exploit-planned', data = { from = 2, step = 6,
          params = { lr = 0.02 } } },
        { number = 7, kind = 'exploit', data = { from = 1, step = 6, plan = 3 } },
      } }
    pbt:setup(study)
    local c = pbt:choose_next()  -- trial 3's replacement ran (trial 7); trial 4's did not
    assert.are.same({ lr = 0.02 }, c.params)
    assert.are.same({ from = 2, step = 6, plan = 4 }, c.resume)
    assert.is_nil(pbt:choose_next())
  end)
end)

describe('hpo.median', function()
  it('stops trials clearly worse than the median of completed ones', function()
    local values = { 1, 2, 3, 4, 5, 9, 1.5, 8, 2.5, 7 }
    local r = curve_study(hpo.median({ startup = 3 }), values, true):optimize({ quiet = true })
    -- After 1, 2 and 3 complete, a trial stops at step 1 when x + 1 exceeds the median of
    -- the completed trials' x + 1 (the Vizier rule, with no warm-up).
    local states = {}
    for _, t in ipairs(r.trials) do
      states[#states + 1] = t.params.x .. '=' .. t.state
    end
    assert.are.same({ '1.0=COMPLETE', '2.0=COMPLETE', '3.0=COMPLETE', '4.0=PRUNED',
      '5.0=PRUNED', '9.0=PRUNED', '1.5=COMPLETE', '8.0=PRUNED', '2.5=PRUNED', '7.0=PRUNED' },
      states)
    assert.are.equal(1, r.best.value)
  end)
end)

describe('a custom scheduler', function()
  it('stops trials through the same protocol as the built-ins', function()
    local seen = 0
    local custom = {
      name = 'threshold',
      on_report = function(_, trial, report)
        seen = seen + 1
        assert(trial.curve[#trial.curve][1] == report.step)
        return report.value > 3 and 'stop' or 'continue'
      end,
    }
    local r = curve_study(custom, { 1, 4, 2, 5 }):optimize({ quiet = true })
    assert.are.same({ 'COMPLETE', 'PRUNED', 'COMPLETE', 'PRUNED' },
      { r.trials[1].state, r.trials[2].state, r.trials[3].state, r.trials[4].state })
    assert.are.equal(8 + 1 + 8 + 1, seen)
  end)

  it('fails the study with its name and the error when it breaks, keeping stored trials',
    function()
      local path = require('spec_util').tmpdb()
      local broken = { name = 'broken', on_report = function(_, trial)
        if trial.number == 2 then
          error('no such rung')
        end
        return 'continue'
      end }
      local ok, err = pcall(function()
        curve_study(broken, { 1, 2, 3, 4 }):optimize({ quiet = true, storage = path })
      end)
      assert.is_false(ok)
      assert.is_true(util.is_runtime_error(err))
      assert.matches('scheduler broken failed in on_report: .*scheduler_spec%.lua:%d+: no such '
        .. 'rung', tostring(err))
      local store = assert(hpo.core.open_store(path, true))
      local counts = store:counts(store:studies()[1].id)
      assert.are.equal(2, counts.COMPLETE)
      store:close()
      require('spec_util').cleanup(path)
    end)

  it('fails the study when it runs too long', function()
    local saved = schedulers.MAX_INSTRUCTIONS
    schedulers.MAX_INSTRUCTIONS = 100000
    local stuck = { name = 'stuck', on_report = function()
      while true do end
    end }
    local ok, err = pcall(function()
      curve_study(stuck, { 1 }):optimize({ quiet = true })
    end)
    schedulers.MAX_INSTRUCTIONS = saved
    assert.is_false(ok)
    assert.matches('scheduler stuck: on_report ran more than 100000 instructions', tostring(err))
  end)

  it("works as README's patience example", function()
    local patience = {
      name = 'patience',
      on_report = function(_, trial)
        local c = trial.curve
        if #c < 4 then
          return 'continue'
        end
        local best = math.huge
        for i = 1, #c - 3 do
          best = math.min(best, c[i][2])
        end
        for i = #c - 2, #c do
          if c[i][2] < best then
            return 'continue'
          end
        end
        return 'stop'
      end,
    }
    -- Flat curves never improve: each trial stops at its fourth report.
    local r = curve_study(patience, { 1, 2 }):optimize({ quiet = true })
    assert.are.equal('stopped at step 4 by patience', r.trials[1].reason)
    assert.are.equal('PRUNED', r.trials[2].state)
  end)
end)
