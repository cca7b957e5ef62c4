-- Parameter importance (fANOVA) over a study's trials.
local hpo = require('hpo')

describe('hpo importance', function()
  local function study_trials(objective, space, n)
    return hpo.study({ space = space, objective = objective, trials = n,
      sampler = hpo.random({ seed = 4 }) }):optimize({ quiet = true }).trials
  end

  it('ranks the parameter the objective depends on first', function()
    local space = { x = hpo.uniform(0, 1), y = hpo.uniform(-5, 5),
      act = hpo.choice({ 'relu', 'tanh', 'gelu' }), n = hpo.int(1, 8) }
    local trials = study_trials(function(p)
      return 10 * (p.x - 0.3) ^ 2 + 0.05 * p.y + (p.act == 'tanh' and 2 or 0)
    end, space, 120)
    local imp, notes, n = require('hpo.importance').compute(require('hpo.space').new(space),
      trials, { seed = 1 })
    assert.are.equal(120, n)
    assert.are.equal(0, #notes)
    assert.are.equal('x', imp[1].name)
    assert.is_true(imp[1].importance > 0.6, 'x ' .. imp[1].importance)
    assert.are.equal('act', imp[2].name)  -- the categorical effect is second
    local total = 0
    for _, e in ipairs(imp) do
      total = total + e.importance
    end
    assert.near(1, total, 1e-9)
    -- n does nothing: least important.
    assert.are.equal('n', imp[#imp].name)
  end)

  it('leaves out a conditional parameter and says so', function()
    local space = { opt = hpo.choice({ 'sgd', 'adam' }), lr = hpo.loguniform(1e-4, 1),
      momentum = hpo.uniform(0, 1):when('opt', 'sgd') }
    local trials = study_trials(function(p)
      return (math.log(p.lr, 10) + 2) ^ 2
    end, space, 60)
    local imp, notes = require('hpo.importance').compute(require('hpo.space').new(space),
      trials)
    assert.are.equal('lr', imp[1].name)
    assert.are.equal(2, #imp)
    assert.matches("'momentum' is not active in every trial", notes[1])
  end)
end)
