-- The hpolua program end to end: the quick start, resume, show, best and export.
local h = require('helpers')
local cjson = require('cjson')

local function copy_example(dir, name)
  h.write(dir .. '/' .. name, h.read(h.source .. '/examples/' .. name))
end

describe('hpolua examples/quickstart.lua', function()
  local dir = h.tmpdir()
  copy_example(dir, 'quickstart.lua')
  teardown(function()
    h.rmdir(dir)
  end)

  local first
  it('runs 60 trials, prints the best and stores them next to the study', function()
    first = h.run(dir, { 'quickstart.lua' })
    assert.are.equal(0, first.code, first.err)
    local lines = 0
    for _ in first.out:gmatch('\ntrial %d+ +COMPLETE') do
      lines = lines + 1
    end
    assert.are.equal(60, lines)
    assert.matches('trials: 60 complete', first.out)
    assert.matches('best: trial %d+, value [%d%.]+', first.out)
    assert.truthy(h.read(dir .. '/quickstart.db'))
    local trials = h.trials(dir .. '/quickstart.db')
    assert.are.equal(60, #trials)
  end)

  it('says the study is complete when run again', function()
    local r = h.run(dir, { 'quickstart.lua' })
    assert.are.equal(0, r.code)
    assert.matches("study 'quickstart' is complete: 60 of 60 trials have run", r.out)
    assert.are.equal(first.out:match('best: [^\n]*'), r.out:match('best: [^\n]*'))
  end)

  it('prints the best trial as JSON', function()
    local r = h.run(dir, { 'best', 'quickstart.db' })
    assert.are.equal(0, r.code)
    local best = cjson.decode(r.out)
    local min
    for _, t in ipairs(h.trials(dir .. '/quickstart.db')) do
      min = math.min(min or t.value, t.value)
    end
    assert.near(min, best.value, 1e-12 * math.abs(min))  -- lua-cjson writes 14 digits
    assert.are.equal('quickstart', best.study)
    assert.are.equal('COMPLETE', best.state)
    assert.near(require('hpo').functions.branin(best.params.x, best.params.y), best.value, 1e-9)
    -- Branin's minimum is 0.397887; 60 Sobol points in 8-D get within a few units.
    assert.is_true(best.value < 3, 'best ' .. best.value)
  end)

  it('exports JSON and CSV', function()
    local r = h.run(dir, { 'export', 'quickstart.db', '--format', 'json' })
    assert.are.equal(0, r.code)
    local list = cjson.decode(r.out)
    assert.are.equal(60, #list)
    assert.are.equal(0, list[1].number)
    assert.are.equal('COMPLETE', list[1].state)
    assert.is_number(list[1].value)
    assert.matches('^%d%d%d%d%-%d%d%-%d%dT', list[1].started)
    assert.is_table(list[1].params)
    r = h.run(dir, { 'export', 'quickstart.db', '--format=csv', '--output', 'out.csv' })
    assert.are.equal(0, r.code)
    local csv = h.read(dir .. '/out.csv')
    local header = csv:match('^[^\n]+')
    assert.are.equal('number,state,value,duration,started,finished,params_batch,params_layers,'
      .. 'params_lr,params_momentum,params_optimizer,params_units,params_x,params_y,reason',
      header)
    local rows = 0
    for _ in csv:gmatch('\n%d+,COMPLETE,') do
      rows = rows + 1
    end
    assert.are.equal(60, rows)
    r = h.run(dir, { 'export', 'quickstart.db', '--format', 'xml' })
    assert.are.equal(2, r.code)
  end)

  it('shows the study as a table', function()
    local r = h.run(dir, { 'show', 'quickstart.db' })
    assert.are.equal(0, r.code)
    assert.matches("study 'quickstart' %(minimize%)", r.out)
    assert.matches('trials: 60 complete', r.out)
    assert.matches('\n +59 +COMPLETE', r.out)
  end)

  it('starts over with --fresh and --trials', function()
    local r = h.run(dir, { 'quickstart.lua', '--fresh', '--trials', '5', '--quiet' })
    assert.are.equal(0, r.code)
    assert.are.equal('', r.out)
    assert.are.equal(5, #h.trials(dir .. '/quickstart.db'))
    local baks = 0
    for _, n in ipairs(h.ls(dir)) do
      baks = baks + (n:match('^quickstart%.db%.[%d%-]+%.bak$') and 1 or 0)
    end
    assert.are.equal(1, baks)
  end)

  it('refuses a changed space, naming the parameter, and leaves the file alone', function()
    local text = h.read(dir .. '/quickstart.lua'):gsub('hpo%.uniform%(%-5, 10%)',
      'hpo.uniform(-5, 12)')
    h.write(dir .. '/changed.lua', text)
    local before = h.read(dir .. '/quickstart.db')
    local r = h.run(dir, { 'changed.lua', '--storage', 'quickstart.db' })
    assert.are.equal(2, r.code)
    assert.matches("parameter 'x' changed from uniform%(%-5, 10%) to uniform%(%-5, 12%)", r.err)
    assert.are.equal(5, #h.trials(dir .. '/quickstart.db'))
    assert.are.equal(#before, #h.read(dir .. '/quickstart.db'))
  end)

  it('runs in memory with --storage :memory:', function()
    local r = h.run(dir, { 'quickstart.lua', '--storage', ':memory:', '--trials', '3' })
    assert.are.equal(0, r.code)
    assert.matches('trials: 3 complete', r.out)
  end)
end)

describe('hpolua with a failing objective', function()
  it('fails trials, keeps going, and stops after max_failures with exit 1', function()
    local dir = h.tmpdir()
    h.write(dir .. '/flaky.lua', [[
return hpo.study({
  space = { x = hpo.uniform(0, 1) },
  objective = function(p)
    if p.x > 0.5 then error('diverged at x=' .. p.x) end
    return p.x
  end,
  trials = 30,
  sampler = hpo.random({ seed = 3 }),
})]])
    local r = h.run(dir, { 'flaky.lua' })
    assert.are.equal(0, r.code)
    assert.matches('FAILED.*%(.*flaky%.lua:4: diverged at x=', r.out)
    local failed = 0
    for _, t in ipairs(h.trials(dir .. '/flaky.db')) do
      if t.state == 'FAILED' then
        failed = failed + 1
        assert.matches('flaky%.lua:4: diverged', t.reason)
      end
    end
    assert.is_true(failed > 5)
    h.write(dir .. '/broken.lua', [[
return hpo.study({
  space = { x = hpo.uniform(0, 1) },
  objective = function(p) return p.x + undefined_thing end,
  max_failures = 4,
})]])
    r = h.run(dir, { 'broken.lua' })
    assert.are.equal(1, r.code)
    assert.matches('stopped after 4 consecutive failed trials', r.out)
    assert.matches("unknown global 'undefined_thing'", r.out)
    h.rmdir(dir)
  end)
end)

describe('examples/sklearn/study.lua', function()
  it('tunes a scikit-learn MLP in Python trials, two at a time', function()
    local dir = h.tmpdir()
    assert(os.execute(('cp -r %s/examples/sklearn %s/examples/python %s/'):format(
      h.quote(h.source), h.quote(h.source), h.quote(dir))))
    -- Debian's python3 (with python3-sklearn) before any other on PATH.
    local r = h.run(dir .. '/sklearn', { 'study.lua', '--trials', '4' },
      { PATH = '/usr/bin:/bin:' .. os.getenv('PATH') })
    assert.are.equal(0, r.code, r.out .. r.err)
    local trials = h.trials(dir .. '/sklearn/digits-mlp.db')
    assert.are.equal(4, #trials)
    for _, t in ipairs(trials) do
      assert.are.equal('COMPLETE', t.state, t.reason)
      assert.is_true(t.value > 0 and t.value < 3)  -- a log loss over 10 classes
    end
    local store = assert(require('hpo.core').open_store(dir .. '/sklearn/digits-mlp.db', true))
    assert.are.equal(60, #store:reports(store:studies()[1].id))  -- 15 epochs each
    store:close()
    -- wine.lua warm-starts from the digits study: its best configuration runs first.
    r = h.run(dir .. '/sklearn', { 'wine.lua', '--trials', '3' },
      { PATH = '/usr/bin:/bin:' .. os.getenv('PATH') })
    assert.are.equal(0, r.code, r.out .. r.err)
    assert.matches("warm start: 4 trials from 1 of 1 sources; the best 3 and the sources' "
      .. 'predicted optimum run first', r.out)
    local best = trials[1]
    for _, t in ipairs(trials) do
      best = t.value < best.value and t or best
    end
    local wine = h.trials(dir .. '/sklearn/wine-mlp.db')
    assert.are.equal(4, #wine)  -- three run; the predicted optimum waits for the next run
    assert.are.equal('WAITING', wine[4].state)
    assert.are.same(cjson.decode(best.params), cjson.decode(wine[1].params))
    assert.is_true(wine[1].value > 0 and wine[1].value < 2)  -- a log loss over 3 classes
    h.rmdir(dir)
  end)
end)

describe('examples/custom_sampler.lua', function()
  it('runs a sampler written in the study file (TPE, then CMA-ES)', function()
    local dir = h.tmpdir()
    copy_example(dir, 'custom_sampler.lua')
    local r = h.run(dir, { 'custom_sampler.lua' })
    assert.are.equal(0, r.code, r.out .. r.err)
    assert.matches('trials: 80 complete', r.out)
    -- The CMA-ES phase (trials 30 to 79) improves on the TPE phase's best.
    local tpe_best, cma_best = math.huge, math.huge
    for _, t in ipairs(h.trials(dir .. '/custom-sampler.db')) do
      if t.number < 30 then
        tpe_best = math.min(tpe_best, t.value)
      else
        cma_best = math.min(cma_best, t.value)
      end
    end
    assert.is_true(cma_best < tpe_best, ('tpe %g, cma %g'):format(tpe_best, cma_best))
    assert.is_true(cma_best < 1)  -- Branin's minimum is 0.397887
    h.rmdir(dir)
  end)
end)

describe('hpolua show with hpo.reinforce', function()
  it('prints the learned policy', function()
    local dir = h.tmpdir()
    h.write(dir .. '/rf.lua', [[
local space = {}
for i = 1, 3 do space['e' .. i] = hpo.choice({ 'a', 'b', 'c' }) end
return hpo.study({
  name = 'rf', direction = 'maximize', space = space, trials = 600,
  objective = function(p)
    return (p.e1 == 'c' and 1 or 0) + (p.e2 == 'a' and 1 or 0) + (p.e3 == 'b' and 1 or 0)
  end,
  sampler = hpo.reinforce({ seed = 1 }),
})]])
    assert.are.equal(0, h.run(dir, { 'rf.lua', '--quiet' }).code)
    local r = h.run(dir, { 'show', 'rf.db' })
    assert.are.equal(0, r.code)
    assert.matches('policy: e1 = "c" %(p 0%.9%d%), e2 = "a" %(p 0%.9%d%), e3 = "b" %(p 0%.9%d%)',
      r.out)
    h.rmdir(dir)
  end)

  it('warm-starts from a source next to the study file and shows its weight', function()
    local dir = h.tmpdir()
    local body = [[
return hpo.study({
  name = 'q', space = { x = hpo.uniform(-3, 3) }, trials = %d, storage = '%s',
  objective = function(p) return (p.x - %g) ^ 2 end, %s
})]]
    h.write(dir .. '/src.lua', body:format(40, 'src.db', 1, 'sampler = hpo.tpe({ seed = 1 })'))
    h.write(dir .. '/tgt.lua', body:format(20, 'tgt.db', 1.2,
      "warm_start = { 'src.db' }, sampler = hpo.tpe({ seed = 2 })"))
    assert.are.equal(0, h.run(dir, { 'src.lua', '--quiet' }).code)
    -- Run from another directory: the source path is relative to the study file.
    local r = h.run(h.source, { dir .. '/tgt.lua' })
    assert.are.equal(0, r.code)
    assert.matches("warm start: 40 trials from 1 of 1 sources; the best 5 and the sources' "
      .. 'predicted optimum run first, then 5 trials of their model\n', r.out)
    -- A sibling task ranks this study's trials well: it keeps most of its weight.
    local w = tonumber(r.out:match('warm start: source src.db weighs ([%d.]+)'))
    assert.is_true(w > 0.5, 'weight ' .. tostring(w))
    r = h.run(dir, { 'show', 'tgt.db' })
    assert.matches(('warm start: source src.db weighs %.2f'):format(w):gsub('%.', '%%.'), r.out)
    -- The study file shows the same: its storage and study, found by loading it.
    assert.are.equal(r.out, h.run(dir, { 'show', 'tgt.lua' }).out)
    assert.matches("report of study 'q' %(20 trials%) written to tgt%.html",
      h.run(dir, { 'report', 'tgt.lua' }).out)
    -- The first trial is the source's best: within 0.05 of its optimum x = 1.
    local best = cjson.decode(h.run(dir, { 'export', 'tgt.db', '--format', 'json' }).out)
    h.rmdir(dir)
    assert.is_true(math.abs(best[1].params.x - 1) < 0.05, 'x ' .. best[1].params.x)
  end)

  it("shows the source warm CMA-ES started from, after a resume too", function()
    local dir = h.tmpdir()
    local body = [[
return hpo.study({
  name = 'q', space = { x = hpo.uniform(-3, 3), y = hpo.uniform(-3, 3) }, trials = %d,
  storage = '%s', objective = function(p) return (p.x - %g) ^ 2 + p.y ^ 2 end, %s
})]]
    h.write(dir .. '/near.lua', body:format(40, 'near.db', 1, 'sampler = hpo.tpe({ seed = 1 })'))
    h.write(dir .. '/far.lua', body:format(40, 'far.db', -2.5, 'sampler = hpo.tpe({ seed = 1 })'))
    for _, f in ipairs({ 'near.lua', 'far.lua' }) do
      assert.are.equal(0, h.run(dir, { f, '--quiet' }).code)
    end
    local tgt = body:gsub('trials = %%d', 'trials = %%d, seed_trials = 3'):format(12, 'tgt.db',
      1.1, "warm_start = { 'near.db', 'far.db' }, sampler = hpo.cmaes({ seed = 2 })")
    h.write(dir .. '/tgt.lua', tgt)
    local r = h.run(dir, { 'tgt.lua' })
    assert.are.equal(0, r.code)
    assert.matches('warm start: source near.db weighs 1.00 %(whether CMA%-ES started from it%)',
      r.out)
    local shown = 'warm start: source near%.db weighs 1%.00\n'
      .. 'warm start: source far%.db weighs 0%.00'
    assert.matches(shown, h.run(dir, { 'show', 'tgt.db' }).out)
    -- More trials: the resumed sampler keeps them.
    h.write(dir .. '/tgt.lua', (tgt:gsub('trials = 12', 'trials = 16')))
    r = h.run(dir, { 'tgt.lua' })
    assert.are.equal(0, r.code)
    assert.matches('resuming with 12 finished trials', r.out)
    assert.matches('warm start: source near.db weighs 1.00 %(whether CMA%-ES started from it%)',
      r.out)
    assert.matches(shown, h.run(dir, { 'show', 'tgt.db' }).out)
    h.rmdir(dir)
  end)
end)

describe('hpolua show STUDY.lua', function()
  it('reads the storage the study file names, and says when it has not run yet', function()
    local dir = h.tmpdir()
    h.write(dir .. '/a.lua', [[
return hpo.study({ name = 'renamed', storage = 'kept.db', space = { x = hpo.uniform(0, 1) },
  objective = function(p) return p.x end, trials = 3 })]])
    local r = h.run(dir, { 'show', 'a.lua' })
    assert.are.equal(2, r.code)
    assert.matches('a%.lua stores its trials in %./kept%.db, which does not exist yet', r.err)
    assert.are.equal(0, h.run(dir, { 'a.lua', '--quiet' }).code)
    r = h.run(dir, { 'show', 'a.lua' })
    assert.are.equal(0, r.code, r.err)
    assert.matches("study 'renamed' %(minimize%)\ntrials: 3 complete", r.out)
    h.rmdir(dir)
  end)
end)

describe('hpolua examples/gp_branin.lua (GP-BO, two workers)', function()
  local dir = h.tmpdir()
  copy_example(dir, 'gp_branin.lua')
  teardown(function()
    h.rmdir(dir)
  end)

  it('reaches Branin\'s minimum with distinct points', function()
    local r = h.run(dir, { 'gp_branin.lua' })
    assert.are.equal(0, r.code, r.err)
    local trials = cjson.decode(h.run(dir, { 'export', 'gp_branin.db', '--format', 'json' }).out)
    assert.are.equal(40, #trials)
    local best, seen = math.huge, {}
    for _, t in ipairs(trials) do
      best = math.min(best, t.value)
      local key = ('%.9g %.9g'):format(t.params.x, t.params.y)
      assert.is_nil(seen[key], 'proposed twice: ' .. key)
      seen[key] = true
    end
    assert.is_true(best - 0.397887 < 0.1, 'best ' .. best)
  end)
end)

describe('hpolua on a storage file it cannot read', function()
  it('names the file and the reason, with exit status 1', function()
    local dir = h.tmpdir()
    -- A study file from an older layout: its trials table lacks today's columns.
    os.execute(("sqlite3 %q \"CREATE TABLE studies(id INTEGER PRIMARY KEY, name TEXT, "
      .. "direction TEXT, space TEXT, config TEXT, created REAL, used INTEGER); "
      .. "INSERT INTO studies VALUES(1, 's', 'minimize', '{}', '{}', 0, 0); "
      .. "CREATE TABLE trials(id INTEGER PRIMARY KEY, study_id INTEGER, number INTEGER, "
      .. "state INTEGER, params TEXT);\""):format(dir .. '/old.db'))
    for _, cmd in ipairs({ 'show', 'importance' }) do
      local r = h.run(dir, { cmd, 'old.db' })
      assert.are.equal(1, r.code, r.err)
      assert.matches('^hpolua: cannot %a+ old%.db: ', r.err)
      assert.is_nil(r.err:find('traceback'))
    end
    h.rmdir(dir)
  end)
end)
