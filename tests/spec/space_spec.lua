local hpo = require('hpo')
local space = require('hpo.space')
local util = require('hpo._util')

-- The message of the study error raised by f, or nil.
local function study_error(f)
  local ok, err = pcall(f)
  assert.is_false(ok)
  assert.is_true(util.is_study_error(err), 'not a study error: ' .. tostring(err))
  return tostring(err)
end

describe('hpo.space', function()
  describe('parameter kinds', function()
    it('records where each parameter was declared', function()
      local p = hpo.uniform(0, 1)
      assert.matches('space_spec%.lua:%d+$', p.where)
    end)

    it('rejects bad bounds with the parameter name and location', function()
      local msg = study_error(function()
        space.new({ lr = hpo.uniform(1, 0) })
      end)
      assert.matches("space_spec%.lua:%d+: parameter 'lr': low must be less than high", msg)
      assert.matches("parameter 'lr': a log%-scale range needs low > 0", study_error(function()
        space.new({ lr = hpo.loguniform(0, 1) })
      end))
      assert.matches("parameter 'n': step does not divide the range", study_error(function()
        space.new({ n = hpo.int(0, 10, { step = 3 }) })
      end))
      assert.matches("parameter 'n': int bounds must be integers", study_error(function()
        space.new({ n = hpo.int(0.5, 10) })
      end))
    end)

    it('rejects wrong types and empty choices where they are written', function()
      assert.matches('space_spec%.lua:%d+: uniform: low must be a number, got string',
        study_error(function()
          hpo.uniform('0', 1)
        end))
      assert.matches('choice: needs at least one value', study_error(function()
        hpo.choice({})
      end))
      assert.matches('discrete: value 2 must be a number', study_error(function()
        hpo.discrete({ 1, 'a' })
      end))
      assert.matches('choice: value "a" appears twice', study_error(function()
        hpo.choice({ 'a', 'a' })
      end))
      assert.matches("unknown option 'stpe' %(did you mean 'step'%?%)", study_error(function()
        hpo.int(1, 10, { stpe = 2 })
      end))
      assert.matches("parameter 'x': expected hpo.uniform", study_error(function()
        space.new({ x = 3 })
      end))
    end)
  end)

  describe('conditions', function()
    it('rejects a condition on an unknown parameter, with a hint', function()
      local msg = study_error(function()
        space.new({
          optimizer = hpo.choice({ 'adam', 'sgd' }),
          momentum = hpo.uniform(0, 1):when('optimiser', 'sgd'),
        })
      end)
      assert.matches("parameter 'momentum': condition on unknown parameter 'optimiser' "
        .. "%(did you mean 'optimizer'%?%)", msg)
    end)

    it('rejects a value the parent cannot take', function()
      assert.matches("condition value \"rmsprop\" is not a value of 'optimizer'",
        study_error(function()
          space.new({
            optimizer = hpo.choice({ 'adam', 'sgd' }),
            momentum = hpo.uniform(0, 1):when('optimizer', 'rmsprop'),
          })
        end))
    end)

    it('rejects cycles', function()
      assert.matches('condition cycle: a %-> b %-> a', study_error(function()
        space.new({
          a = hpo.choice({ 1, 2 }):when('b', 1),
          b = hpo.choice({ 1, 2 }):when('a', 1),
        })
      end))
    end)

    -- An optimiser with conditional children, two levels deep.
    local function sgd_space()
      return space.new({
        optimizer = hpo.choice({ 'adam', 'sgd' }),
        momentum = hpo.uniform(0.5, 0.99):when('optimizer', 'sgd'),
        nesterov = hpo.choice({ true, false }):when('optimizer', { 'sgd' }),
        dampening = hpo.uniform(0, 1):when('nesterov', false),
      })
    end

    it('leaves inactive parameters out and NaN in the vector', function()
      local s = sgd_space()
      -- names sorted: dampening, momentum, nesterov, optimizer
      local p, x = s:decode({ 0.5, 0.5, 1, 0 })
      assert.are.same({ optimizer = 'adam' }, p)
      assert.is_true(x[1] ~= x[1] and x[2] ~= x[2] and x[3] ~= x[3])
      assert.are.equal(0, x[4])
      p = s:decode({ 0.5, 0.5, 1, 1 })
      assert.are.same({ 'sgd', false, 0.5 }, { p.optimizer, p.nesterov, p.dampening })
      assert.near(0.745, p.momentum, 1e-12)
      p = s:decode({ 0.5, 0.5, 0, 1 })
      assert.is_true(p.nesterov)
      assert.is_nil(p.dampening)
    end)

    it('completes a partial parameter table under its conditions', function()
      local s = sgd_space()
      -- names sorted: dampening, momentum, nesterov, optimizer. The given values stay, the
      -- missing active ones come from u, and a given one left inactive goes.
      assert.are.same({ optimizer = 'sgd', momentum = 0.6, nesterov = false, dampening = 0.25 },
        s:complete({ optimizer = 'sgd', momentum = 0.6 }, { 0.25, 0.9, 0.9, 0 }))
      assert.are.same({ optimizer = 'adam' }, s:complete({ momentum = 0.6 }, { 0, 0, 0, 0 }))
      assert.are.same({ optimizer = 'sgd', momentum = 0.745, nesterov = true },
        s:complete({ dampening = 0.5 }, { 0.5, 0.5, 0, 1 }))
    end)

    it('lists its conditions in encoded terms, parents first', function()
      local s = space.new({
        optimizer = hpo.choice({ 'adam', 'sgd', 'rmsprop' }),
        momentum = hpo.uniform(0.5, 0.99):when('optimizer', { 'sgd', 'rmsprop' }),
        nesterov = hpo.choice({ true, false }):when('optimizer', 'sgd'),
        dampening = hpo.uniform(0, 1):when('nesterov', false),
        layers = hpo.int(1, 3),
        width = hpo.int(8, 64):when('layers', 3),
      })
      -- names sorted: dampening, layers, momentum, nesterov, optimizer, width
      local c = s:conditions()
      assert.are.equal(4, #c)
      local by = {}
      for i, k in ipairs(c) do
        by[k.dim] = { i = i, parent = k.parent, codes = k.codes }
      end
      assert.are.same({ 5, 5, 4, 2 }, { by[3].parent, by[4].parent, by[1].parent, by[6].parent })
      assert.are.same({ 1, 2 }, by[3].codes)  -- sgd and rmsprop: indices 1 and 2
      assert.are.same({ 1 }, by[1].codes)     -- false: index 1
      assert.near(5 / 6, by[6].codes[1], 1e-12)  -- layers = 3: the centre of its third of [0, 1]
      assert.is_true(by[4].i < by[1].i)       -- nesterov's condition before dampening's
    end)
  end)

  describe('encoding', function()
    local s = space.new({
      x = hpo.uniform(-5, 10),
      lr = hpo.loguniform(1e-5, 1e-1),
      units = hpo.int(16, 512, { log = true }),
      batch = hpo.discrete({ 128, 32, 64 }),
      opt = hpo.choice({ 'adam', 'sgd', 'rmsprop' }),
    })

    it('orders dimensions by name', function()
      assert.are.same({ 'batch', 'lr', 'opt', 'units', 'x' }, s.names)
    end)

    it('decodes the unit cube onto each kind', function()
      local p = s:from_unit({ 0.5, 0.5, 0.5, 0, 0.2 })
      assert.are.equal(64, p.batch)  -- sorted: 32, 64, 128
      assert.near(1e-3, p.lr, 1e-15)
      assert.are.equal('sgd', p.opt)
      assert.are.equal(16, p.units)
      assert.are.equal('integer', math.type(p.units))
      assert.near(-2, p.x, 1e-12)
    end)

    it('round-trips params through encode and decode', function()
      local p = { batch = 128, lr = 0.0123, opt = 'rmsprop', units = 200, x = 7.5 }
      local back = s:decode(s:encode(p))
      assert.are.equal(128, back.batch)
      assert.near(0.0123, back.lr, 1e-15)
      assert.are.equal('rmsprop', back.opt)
      assert.are.equal(200, back.units)
      assert.near(7.5, back.x, 1e-12)
    end)

    it('checks params and normalises JSON numbers', function()
      local p = assert(s:check_params({ batch = 32.0, lr = 0.01, opt = 'adam', units = 20.0,
        x = 0 }))
      assert.are.equal('integer', math.type(p.units))
      assert.are.equal('integer', math.type(p.batch))
      local _, err = s:check_params({ batch = 32, lr = 0.01, opt = 'adam', units = 20.5, x = 0 })
      assert.matches("'units': 20.5 is not an integer", err)
      _, err = s:check_params({ batch = 32, lr = 1, opt = 'adam', units = 20, x = 0 })
      assert.matches("'lr': 1 is outside", err)
      _, err = s:check_params({ batch = 32, lr = 0.01, opt = 'adam', units = 20, x = 0, y = 1 })
      assert.matches("unknown parameter 'y'", err)
      _, err = s:check_params({ batch = 32, lr = 0.01, units = 20, x = 0 })
      assert.matches("parameter 'opt' is missing", err)
    end)

    it('describes itself and detects incompatible changes', function()
      local stored = util.json_decode(util.json_encode(s:describe()))
      assert.is_nil(s:incompatibility(stored))
      local changed = space.new({
        x = hpo.uniform(-5, 12),
        lr = hpo.loguniform(1e-5, 1e-1),
        units = hpo.int(16, 512, { log = true }),
        batch = hpo.discrete({ 128, 32, 64 }),
        opt = hpo.choice({ 'adam', 'sgd', 'rmsprop' }),
      })
      assert.are.equal("parameter 'x' changed from uniform(-5, 10) to uniform(-5, 12)",
        changed:incompatibility(stored))
      local fewer = space.new({ x = hpo.uniform(-5, 10) })
      assert.matches("parameter '%a+' was removed", fewer:incompatibility(stored))
    end)
  end)
end)
