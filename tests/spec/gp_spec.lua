-- hpo.core.gp_fit: the GP model exposed to users' own samplers.
local core = require('hpo.core')

describe('hpo.core.gp_fit', function()
  it('fits a smooth function and predicts it with small variance', function()
    local X, y = {}, {}
    for i = 1, 25 do
      local a, b = (i - 0.5) / 25, ((i * 7) % 25 + 0.5) / 25
      X[i], y[i] = { a, b }, math.sin(5 * a) + b * b
    end
    local gp = core.gp_fit(X, y, { seed = 1 })
    local mean, var = gp:predict({ { 0.3, 0.5 }, { 0.8, 0.1 } })
    assert.near(math.sin(1.5) + 0.25, mean[1], 0.05)
    assert.near(math.sin(4.0) + 0.01, mean[2], 0.05)
    assert.is_true(var[1] >= 0 and var[1] < 0.01)
    local theta = gp:theta()
    assert.equal(4, #theta)
    assert.is_true(gp:log_marginal() > -50)
  end)

  it('is exact at the data when deterministic', function()
    local X, y = { { 0.1 }, { 0.4 }, { 0.9 } }, { 1, 5, 2 }
    local gp = core.gp_fit(X, y, { deterministic = true, kernel = 'rbf', restarts = 0 })
    local mean = gp:predict({ { 0.4 } })
    assert.near(5, mean[1], 1e-3)
  end)

  it('models a categorical input by Hamming distance', function()
    local X, y = {}, {}
    for i = 1, 30 do
      local c = i % 3
      X[i], y[i] = { (i - 0.5) / 30, c }, c * 10 + (i - 0.5) / 30
    end
    local gp = core.gp_fit(X, y, { categorical = { 2 }, seed = 2 })
    local mean = gp:predict({ { 0.5, 0 }, { 0.5, 2 } })
    assert.near(0.5, mean[1], 0.3)
    assert.near(20.5, mean[2], 0.3)
  end)

  it('explains bad input', function()
    assert.has_error(function()
      core.gp_fit({ { 0.1 }, { 0.2, 0.3 } }, { 1, 2 })
    end, 'point 2 has 2 coordinates, expected 1')
    assert.has_error(function()
      core.gp_fit({ { 0.1 } }, { 1, 2 })
    end, 'gp_fit: 1 points but 2 values')
    assert.has_error(function()
      core.gp_fit({ { 0.1 } }, { 1 }, { kernel = 'cubic' })
    end)
  end)
end)
