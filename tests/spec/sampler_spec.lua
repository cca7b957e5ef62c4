local hpo = require('hpo')
local space = require('hpo.space')

local function make_study(def)
  return { space = space.new(def) }
end

-- Draw n params from a fresh sampler (restored from state when given).
local function draw(sampler, study, n, state)
  sampler:setup(study, state)
  local out = {}
  for i = 1, n do
    out[i] = sampler:ask(study)
  end
  return out
end

describe('hpo.sampler', function()
  local study = make_study({
    x = hpo.uniform(-5, 10),
    y = hpo.uniform(0, 15),
    opt = hpo.choice({ 'a', 'b', 'c' }),
    n = hpo.int(1, 4),
  })

  for _, kind in ipairs({ 'random', 'qmc', 'grid' }) do
    describe(kind, function()
      it('gives the same sequence for the same seed and another for another seed', function()
        local a = draw(hpo[kind]({ seed = 5 }), study, 20)
        local b = draw(hpo[kind]({ seed = 5 }), study, 20)
        local c = draw(hpo[kind]({ seed = 6 }), study, 20)
        assert.are.same(a, b)
        assert.are_not.same(a, c)
      end)

      it('continues the same sequence from a saved state', function()
        local whole = draw(hpo[kind]({ seed = 11 }), study, 12)
        local first = hpo[kind]({ seed = 11 })
        draw(first, study, 5)
        local rest = draw(hpo[kind](), study, 7, first:state())
        for i = 1, 7 do
          assert.are.same(whole[5 + i], rest[i])
        end
      end)

      it('keeps every value inside the space', function()
        for _, p in ipairs(draw(hpo[kind]({ seed = 1 }), study, 200)) do
          assert.is_true(p.x >= -5 and p.x <= 10 and p.y >= 0 and p.y <= 15)
          assert.is_true(p.n >= 1 and p.n <= 4 and math.type(p.n) == 'integer')
          assert.is_truthy(({ a = 1, b = 1, c = 1 })[p.opt])
        end
      end)
    end)
  end

  describe('qmc', function()
    it('covers the square more evenly than random sampling', function()
      local sq = make_study({ x = hpo.uniform(0, 1), y = hpo.uniform(0, 1) })
      -- Count empty cells of an 8x8 grid after 64 points: Sobol's net property leaves none.
      local function empty(points)
        local seen, n = {}, 0
        for _, p in ipairs(points) do
          seen[math.floor(p.x * 8) * 8 + math.floor(p.y * 8)] = true
        end
        for c = 0, 63 do
          n = n + (seen[c] and 0 or 1)
        end
        return n
      end
      assert.are.equal(0, empty(draw(hpo.qmc({ seed = 3 }), sq, 64)))
      assert.is_true(empty(draw(hpo.random({ seed = 3 }), sq, 64)) > 10)
    end)

    it('rejects unknown options where they are written', function()
      local ok, err = pcall(hpo.qmc, { sead = 1 })
      assert.is_false(ok)
      assert.matches("sampler_spec%.lua:%d+: hpo.qmc: unknown option 'sead' %(did you mean "
        .. "'seed'%?%)", tostring(err))
    end)
  end)

  describe('grid', function()
    it('visits every combination once, then stops', function()
      local s = make_study({ a = hpo.choice({ 'x', 'y' }), b = hpo.int(1, 3),
        c = hpo.uniform(0, 1) })
      local g = hpo.grid({ n = 4, seed = 2 })
      g:setup(s)
      assert.are.equal(24, g:size())
      local seen = {}
      for _ = 1, 24 do
        local p = assert(g:ask(s))
        local key = ('%s/%d/%.3f'):format(p.a, p.b, p.c)
        assert.is_nil(seen[key])
        seen[key] = true
      end
      assert.is_nil(g:ask(s))
      assert.is_truthy(seen['y/3/0.333'])
    end)

    it('does not repeat configurations whose conditional parameter is inactive', function()
      local s = make_study({
        opt = hpo.choice({ 'adam', 'sgd' }),
        momentum = hpo.uniform(0, 1):when('opt', 'sgd'),
      })
      local g = hpo.grid({ n = 3, shuffle = false })
      local got = {}
      g:setup(s)
      for p in function() return g:ask(s) end do
        got[#got + 1] = p.opt .. ':' .. tostring(p.momentum)
      end
      assert.are.same({ 'adam:nil', 'sgd:0.0', 'sgd:0.5', 'sgd:1.0' }, got)
    end)
  end)
end)
