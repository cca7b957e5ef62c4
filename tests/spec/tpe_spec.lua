local hpo = require('hpo')
local space = require('hpo.space')
local f = hpo.functions

local function branin_study(sampler, trials)
  return hpo.study({
    name = 'branin',
    space = { x = hpo.uniform(-5, 10), y = hpo.uniform(0, 15) },
    objective = function(p)
      return f.branin(p.x, p.y)
    end,
    trials = trials or 50,
    sampler = sampler,
  })
end

local function median(t)
  table.sort(t)
  return (t[#t // 2] + t[#t // 2 + 1]) / 2
end

describe('hpo.core.tpe', function()
  it('takes its optional arguments absent', function()
    local core = require('hpo.core')
    local sp = space.new({ x = hpo.uniform(0, 1), y = hpo.uniform(0, 1) })
    local t = core.tpe(sp.core, { seed = 1, startup = 0 })
    t:tell({ 0.1, 0.2 }, 0, 0, 1.0, 0)
    t:warm_start({ { 0.9, 0.9 } })  -- weights: all 1
    local x = t:ask({})             -- n_good: the gamma rule's
    assert.are.equal(2, #x)
    assert.is_true(x[1] >= 0 and x[1] <= 1 and x[2] >= 0 and x[2] <= 1)
  end)
end)

describe('hpo.tpe', function()
  it('is the default sampler of a study', function()
    local s = hpo.study({ space = { x = hpo.uniform(0, 1) }, objective = function(p)
      return p.x
    end })
    assert.are.equal('tpe', s.sampler.name)
  end)

  it('rejects unknown options and bad values where they are written', function()
    local ok, err = pcall(hpo.tpe, { candidate = 10 })
    assert.is_false(ok)
    assert.matches("tpe_spec%.lua:%d+: hpo.tpe: unknown option 'candidate' %(did you mean "
      .. "'candidates'%?%)", tostring(err))
    ok, err = pcall(hpo.tpe, { gamma = 'bergstra' })
    assert.is_false(ok)
    assert.matches("gamma must be 'optuna', 'hyperopt' or a function", tostring(err))
  end)

  it('repeats itself with the same seed, also across a resume', function()
    local whole = branin_study(hpo.tpe({ seed = 3 }), 30):optimize({ quiet = true })
    local again = branin_study(hpo.tpe({ seed = 3 }), 30):optimize({ quiet = true })
    local path = require('spec_util').tmpdb()
    branin_study(hpo.tpe({ seed = 3 }), 15):optimize({ quiet = true, storage = path })
    local resumed = branin_study(hpo.tpe({ seed = 3 }), 30):optimize({ quiet = true,
      storage = path })
    for i = 1, 30 do
      assert.are.same(whole.trials[i].params, again.trials[i].params)
      assert.near(whole.trials[i].params.x, resumed.trials[i].params.x, 1e-12)
      assert.near(whole.trials[i].params.y, resumed.trials[i].params.y, 1e-12)
    end
    require('spec_util').cleanup(path)
  end)

  it('beats random sampling on Branin (median regret over 10 seeds, 50 trials)', function()
    local regret = { tpe = {}, random = {} }
    for seed = 1, 10 do
      for kind, r in pairs(regret) do
        local res = branin_study(hpo[kind]({ seed = seed })):optimize({ quiet = true })
        r[#r + 1] = res.best.value - f.branin_min
      end
    end
    local t, r = median(regret.tpe), median(regret.random)
    assert.is_true(t < r / 2, ('tpe %g, random %g'):format(t, r))
    assert.is_true(t < 0.3, 'tpe median regret ' .. t)
  end)

  it('handles int, discrete, choice and conditional parameters', function()
    local r = hpo.study({
      space = {
        n = hpo.int(1, 20),
        u = hpo.int(16, 512, { log = true }),
        b = hpo.discrete({ 8, 16, 32 }),
        opt = hpo.choice({ 'adam', 'sgd' }),
        m = hpo.uniform(0, 1):when('opt', 'sgd'),
      },
      objective = function(p)
        return (p.n - 7) ^ 2 + math.abs(math.log(p.u / 64)) + (p.b == 16 and 0 or 1)
          + (p.opt == 'sgd' and (p.m - 0.9) ^ 2 or 0.5)
      end,
      trials = 60,
      sampler = hpo.tpe({ seed = 1 }),
    }):optimize({ quiet = true })
    assert.are.equal(60, r.counts.COMPLETE)
    assert.is_true(r.best.value < 2, 'best ' .. r.best.value)
  end)

  it('uses a gamma function for the size of the good set', function()
    local seen = {}
    local r = branin_study(hpo.tpe({ seed = 2, gamma = function(n)
      seen[#seen + 1] = n
      return 3
    end }), 15):optimize({ quiet = true })
    assert.are.equal(15, r.counts.COMPLETE)
    assert.are.same({ 10, 11, 12, 13, 14 }, seen)
  end)

  it('does not propose an evaluated configuration again while others are to be had', function()
    -- 12 configurations, the best (1, 'y') found early: l(x) peaks on it, and before the
    -- change TPE kept proposing it.
    for _, multivariate in ipairs({ true, false }) do
      local study = { space = space.new({ a = hpo.int(1, 4), b = hpo.choice({ 'x', 'y', 'z' }) }),
        direction = 'minimize', running = {} }
      local s = hpo.tpe({ seed = 4, startup = 1, multivariate = multivariate })
      s:setup(study)
      local seen = {}
      for i = 1, 12 do
        local p = s:ask(study)
        local key = p.a .. p.b
        assert.is_nil(seen[key], ('proposed twice: %s at ask %d (multivariate %s)'):format(key,
          i, multivariate))
        seen[key] = true
        s:tell(study, { number = i, state = 'COMPLETE', params = p,
          value = p.a + (p.b == 'y' and 0 or 2) })
      end
    end
  end)

  it('does not propose a running configuration again (a parallel batch of 8)', function()
    local study = { space = space.new({ a = hpo.int(1, 4), b = hpo.choice({ 'x', 'y', 'z' }) }),
      direction = 'minimize', running = {} }
    local s = hpo.tpe({ seed = 4 })
    s:setup(study)
    for i = 1, 12 do
      local p = s:ask(study)
      s:tell(study, { number = i, state = 'COMPLETE', params = p,
        value = p.a + (p.b == 'y' and 0 or 2) })
    end
    local seen = {}
    for i = 1, 8 do
      local p = s:ask(study)
      local key = p.a .. p.b
      assert.is_nil(seen[key], 'proposed twice: ' .. key)
      seen[key] = true
      study.running[i] = { number = 100 + i, params = p }
    end
  end)
end)
