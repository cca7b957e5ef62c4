local hpo = require('hpo')
local tmpdb, cleanup = require('spec_util').tmpdb, require('spec_util').cleanup

local BEST = { 'd', 'a', 'e', 'b' }

local function nas_study(sampler, trials)
  local space = {}
  for i = 1, 4 do
    space['e' .. i] = hpo.choice({ 'a', 'b', 'c', 'd', 'e' })
  end
  return hpo.study({
    name = 'nas',
    direction = 'maximize',
    space = space,
    objective = function(p)
      local r = 0
      for i = 1, 4 do
        r = r + (p['e' .. i] == BEST[i] and 1 or 0)
      end
      return r
    end,
    trials = trials,
    sampler = sampler,
  })
end

describe('hpo.reinforce', function()
  it('learns the best configuration of a separable discrete problem', function()
    local s = hpo.reinforce({ seed = 3 })
    local st = nas_study(s, 1200)
    st:optimize({ quiet = true })
    local summary = s:summary(st.space)
    local p = 1
    for i = 1, 4 do
      assert.are.equal(BEST[i], summary['e' .. i].value)
      p = p * summary['e' .. i].p
    end
    assert.is_true(p > 0.9, 'probability of the best configuration ' .. p)
  end)

  it('learns with z-score and rank advantages too', function()
    for _, norm in ipairs({ 'zscore', 'rank' }) do
      local s = hpo.reinforce({ seed = 5, normalize = norm })
      local st = nas_study(s, 1200)
      local r = st:optimize({ quiet = true })
      assert.are.equal(4, r.best.value, norm)
      assert.is_true(s:summary(st.space).e1.p > 0.8, norm)
    end
  end)

  it('continues the same policy after a resume', function()
    local whole = nas_study(hpo.reinforce({ seed = 2 }), 60):optimize({ quiet = true })
    local path = tmpdb()
    nas_study(hpo.reinforce({ seed = 2 }), 27):optimize({ quiet = true, storage = path })
    local resumed = nas_study(hpo.reinforce({ seed = 2 }), 60):optimize({ quiet = true,
      storage = path })
    for i = 1, 60 do
      assert.are.same(whole.trials[i].params, resumed.trials[i].params)
    end
    cleanup(path)
  end)

  it('handles numeric parameters binned or Gaussian', function()
    for _, mode in ipairs({ 'bins', 'gaussian' }) do
      local r = hpo.study({
        space = { x = hpo.uniform(0, 1), n = hpo.int(1, 50) },
        objective = function(p)
          return (p.x - 0.7) ^ 2 + math.abs(p.n - 20) / 50
        end,
        trials = 400,
        sampler = hpo.reinforce({ seed = 1, continuous = mode }),
      }):optimize({ quiet = true })
      assert.is_true(r.best.value < 0.05, mode .. ' best ' .. r.best.value)
    end
  end)

  it('rejects bad options where they are written', function()
    local ok, err = pcall(hpo.reinforce, { continuous = 'smooth' })
    assert.is_false(ok)
    assert.matches("reinforce_spec%.lua:%d+: hpo.reinforce: continuous must be 'bins' or "
      .. "'gaussian'", tostring(err))
  end)
end)
