local hpo = require('hpo')
local util = require('hpo._util')

local tmpdb, cleanup = require('spec_util').tmpdb, require('spec_util').cleanup
local spec_study = require('spec_util').study

local function quad_study(extra)
  local def = {
    name = 'quad',
    space = { x = hpo.uniform(-10, 10) },
    objective = function(p)
      return (p.x - 3) ^ 2
    end,
    trials = 30,
    sampler = hpo.random({ seed = 1 }),
  }
  return spec_study(def, extra)
end

describe('hpo.study', function()
  describe('definition', function()
    it('rejects an unknown field with a hint and the location', function()
      local ok, err = pcall(hpo.study, { trails = 10, space = { x = hpo.uniform(0, 1) },
        objective = print })
      assert.is_false(ok)
      assert.matches("study_spec%.lua:%d+: hpo.study: unknown field 'trails' %(did you mean "
        .. "'trials'%?%)", tostring(err))
    end)

    it('rejects wrong types and a bad direction', function()
      local ok, err = pcall(hpo.study, { trials = 'ten', space = { x = hpo.uniform(0, 1) },
        objective = print })
      assert.is_false(ok)
      assert.matches("field 'trials' must be an integer, got \"ten\"", tostring(err))
      ok, err = pcall(hpo.study, { direction = 'min', space = { x = hpo.uniform(0, 1) },
        objective = print })
      assert.is_false(ok)
      assert.matches("direction must be 'minimize' or 'maximize'", tostring(err))
      ok, err = pcall(hpo.study, { space = { x = hpo.uniform(0, 1) } })
      assert.is_false(ok)
      assert.matches("missing field 'objective'", tostring(err))
    end)
  end)

  describe('optimize', function()
    it('runs the budget and finds the minimum of a quadratic', function()
      local r = quad_study():optimize({ quiet = true })
      assert.are.equal('complete', r.status)
      assert.are.equal(30, r.counts.COMPLETE)
      assert.is_true(r.best.value < 0.5, 'best ' .. r.best.value)
      assert.near((r.best.params.x - 3) ^ 2, r.best.value, 1e-12)
    end)

    it('maximizes when asked', function()
      local r = quad_study({ direction = 'maximize' }):optimize({ quiet = true })
      for _, t in ipairs(r.trials) do
        assert.is_true(t.value <= r.best.value)
      end
      assert.is_true(r.best.value > 100)
    end)

    it('fails a trial, not the study, on an error, NaN or a bad value', function()
      local n = 0
      local r = quad_study({
        trials = 4,
        objective = function(p)
          n = n + 1
          if n == 1 then
            error('diverged')
          elseif n == 2 then
            return 0 / 0
          elseif n == 3 then
            return 'high'
          end
          return p.x
        end,
      }):optimize({ quiet = true })
      assert.are.equal(3, r.counts.FAILED)
      assert.are.equal(1, r.counts.COMPLETE)
      assert.matches('diverged', r.trials[1].reason)
      assert.are.equal('objective returned NaN', r.trials[2].reason)
      assert.matches('must be a number, got "high"', r.trials[3].reason)
    end)

    it('takes the metric from a table of metrics', function()
      local r = quad_study({
        metric = 'loss',
        objective = function(p)
          return { loss = (p.x - 3) ^ 2, acc = 1 }
        end,
      }):optimize({ quiet = true })
      assert.are.equal(30, r.counts.COMPLETE)
      assert.are.same({ 'acc', 'loss' }, util.sorted_keys(r.best.metrics))
    end)

    it('stops after max_failures consecutive failures', function()
      local r = quad_study({ max_failures = 3, objective = function()
        error('no GPU')
      end }):optimize({ quiet = true })
      assert.are.equal('failures', r.status)
      assert.are.equal(3, r.counts.FAILED)
      assert.matches('no GPU', r.last_failure)
    end)

    it('runs enqueued params first', function()
      local r = quad_study({ trials = 3, enqueue = { { x = 3 } } }):optimize({ quiet = true })
      assert.are.equal(0, r.trials[1].number)
      assert.are.equal(3, r.trials[1].params.x)
      assert.are.equal(0, r.best.value)
    end)

    it('stores reports and final metrics', function()
      local path = tmpdb()
      quad_study({ trials = 2, objective = function(p, trial)
        for step = 1, 3 do
          trial:report(step, { loss = p.x * step })
        end
        return { loss = p.x }
      end, metric = 'loss' }):optimize({ quiet = true, storage = path })
      local store = assert(hpo.core.open_store(path, true))
      local study = store:find_study('quad')
      local reports = store:reports(study.id)
      assert.are.equal(6, #reports)
      assert.are.equal(3, reports[3].step)
      store:close()
      cleanup(path)
    end)
  end)

  describe('resume', function()
    -- Runs 5 Sobol trials into a file, calls between(path) if given, resumes to 12, and
    -- checks the 12 against an uninterrupted run.
    local function resumes_exactly(between)
      local function qmc_study()
        return quad_study({ sampler = hpo.qmc({ seed = 4 }) })
      end
      local whole = qmc_study():optimize({ quiet = true, trials = 12 })
      local path = tmpdb()
      local r1 = qmc_study():optimize({ quiet = true, trials = 5, storage = path })
      assert.are.equal(5, #r1.trials)
      if between then
        between(path)
      end
      local r2 = qmc_study():optimize({ quiet = true, trials = 12, storage = path })
      assert.are.equal(12, #r2.trials)
      for i = 1, 12 do
        assert.are.equal(whole.trials[i].params.x, r2.trials[i].params.x)
      end
      cleanup(path)
    end

    it('continues the same sequence, as if never stopped', function()
      resumes_exactly()
    end)

    it('resumes a state stored before states named their sampler', function()
      resumes_exactly(function(path)
        local store = assert(hpo.core.open_store(path))
        local id = store:find_study('quad').id
        local stored = store:sampler_state(id)
        assert.matches('^@qmc@', stored)
        store:set_sampler_state(id, (stored:gsub('^@qmc@', '')))  -- as older hpolua wrote it
        store:close()
      end)
    end)

    it('starts another sampler afresh from the stored trials, and says so', function()
      local path = tmpdb()
      quad_study({ sampler = hpo.tpe({ seed = 1 }) })
        :optimize({ quiet = true, trials = 5, storage = path })
      local text = {}
      local out = { write = function(_, ...)
        for _, s in ipairs({ ... }) do
          text[#text + 1] = s
        end
      end }
      -- GP-BO would reject TPE's state as malformed; it starts from the 5 trials instead.
      local r = quad_study({ sampler = hpo.gp({ seed = 2, startup = 3 }) })
        :optimize({ out = out, trials = 12, storage = path })
      assert.are.equal(12, r.counts.COMPLETE)
      assert.matches('sampler changed from tpe to gp: gp starts afresh', table.concat(text))
      -- From then on the state is GP's: no change to report, and GP resumes its own state.
      text = {}
      quad_study({ sampler = hpo.gp({ seed = 2, startup = 3 }) })
        :optimize({ out = out, trials = 14, storage = path })
      assert.is_nil(table.concat(text):find('sampler changed', 1, true))
      cleanup(path)
    end)

    it('says the study is complete and runs nothing more', function()
      local path = tmpdb()
      quad_study():optimize({ quiet = true, storage = path })
      local ran = 0
      local r = quad_study({ objective = function()
        ran = ran + 1
        return 0
      end }):optimize({ quiet = true, storage = path })
      assert.are.equal(0, ran)
      assert.are.equal(30, r.counts.COMPLETE)
      cleanup(path)
    end)

    it('refuses a study whose space changed', function()
      local path = tmpdb()
      quad_study({ trials = 2 }):optimize({ quiet = true, storage = path })
      local ok, err = pcall(function()
        hpo.study({ name = 'quad', space = { x = hpo.uniform(-10, 11) }, objective = print })
          :optimize({ quiet = true, storage = path })
      end)
      assert.is_false(ok)
      assert.is_true(util.is_study_error(err))
      assert.matches("parameter 'x' changed from uniform%(%-10, 10%) to uniform%(%-10, 11%)",
        tostring(err))
      cleanup(path)
    end)

    it('starts over with fresh, keeping the old file', function()
      local path = tmpdb()
      quad_study({ trials = 2 }):optimize({ quiet = true, storage = path })
      local r = quad_study({ trials = 3 }):optimize({ quiet = true, storage = path, fresh = true })
      assert.are.equal(3, r.counts.COMPLETE)
      local found = 0
      local dir, base = path:match('^(.*)/([^/]*)$')
      for name in io.popen('ls ' .. dir):lines() do
        if name:find(base, 1, true) == 1 and name:find('%.bak$') then
          found = found + 1
          os.remove(dir .. '/' .. name)
        end
      end
      assert.are.equal(1, found)
      cleanup(path)
    end)
  end)
end)

-- A terminal stand-in: what a study writes, and the text of it; runs a 1-D study of
-- `trials` random trials with that objective, interactively.
local function on_terminal(trials, objective)
  local chunks = {}
  local out = { write = function(_, ...)
    for _, s in ipairs({ ... }) do
      chunks[#chunks + 1] = s
    end
  end, flush = function() end }
  hpo.study({ space = { x = hpo.uniform(0, 1) }, trials = trials, objective = objective,
    sampler = hpo.random({ seed = 1 }) }):optimize({ out = out, interactive = true })
  return table.concat(chunks)
end

describe('progress on a terminal', function()
  it('keeps one status line with the rate, the ETA and the running trials', function()
    local text = on_terminal(6, function(p)
      return p.x
    end)
    -- Each update rewrites the line (\r, erase), none scrolls: no "trial N" lines.
    assert.matches('\r\27%[K%[3/6%] best [%d%.e%-]+ %(#%d+%)  last #2 COMPLETE', text)
    assert.matches('running 0  [%d%.]+/min  eta ', text)
    assert.matches('%[6/6%]', text)
    assert.is_nil(text:find('\ntrial %d'))
  end)

  it("puts an objective's print above the status line", function()
    local text = on_terminal(3, function(p, trial)
      print('epoch', trial.number)
      return p.x
    end)
    -- Trial 1 prints after the status of trial 0: the status is erased, the line printed,
    -- the status drawn again.
    assert.matches('\r\27%[K%[1/3%][^\n]*\r\27%[Kepoch\t1\n%[1/3%]', text)
    assert.are.equal(print, _G.print)  -- restored
  end)
end)
