-- Trials as subprocesses (DESIGN.md section 5): each fixture program in
-- tests/functional/trials misbehaves in one way; the study records the right state and
-- reason, keeps going, and leaves no process behind.
local h = require('helpers')

local by_state, none_alive = h.count_states, h.cmd_none_alive

-- Run the study with the fixture; returns the run result and the stored trials.
local function run(script, fields, args)
  local dir = h.tmpdir()
  h.command_study(dir, script, fields)
  local argv = { 'cmd.lua' }
  for _, a in ipairs(args or {}) do
    argv[#argv + 1] = a
  end
  local r = h.run(dir, argv)
  local ok, trials = pcall(h.trials, dir .. '/cmd.db')
  return r, ok and trials or {}, dir
end

describe('subprocess trials', function()
  it('take the last report of the metric as the value, in parallel', function()
    local r, trials, dir = run('report.sh', { trials = 6, parallel = 2 })
    assert.are.equal(0, r.code, r.err)
    assert.are.same({ COMPLETE = 6 }, by_state(trials))
    for _, t in ipairs(trials) do
      local x = require('cjson').decode(t.params).x
      assert.near(x * x + 1 / 3, t.value, 1e-9)
      assert.matches('trial ' .. t.number .. ' done', h.read(t.log_dir .. '/stdout.log'))
    end
    local store = assert(require('hpo.core').open_store(dir .. '/cmd.db', true))
    assert.are.equal(18, #store:reports(store:studies()[1].id))
    store:close()
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('fail on a non-zero exit with the code and the last line of stderr', function()
    local r, trials, dir = run('exit3.sh', { trials = 2 })
    assert.are.equal(0, r.code)
    assert.are.same({ FAILED = 2 }, by_state(trials))
    assert.are.equal('exit code 3: could not load the data set', trials[1].reason)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('fail on a crash with the signal', function()
    local _, trials, dir = run('crash.sh', { trials = 1 })
    assert.are.equal('killed by SIGSEGV: about to crash', trials[1].reason)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('fail after their timeout, and are stopped', function()
    local r, trials, dir = run('sleep.sh', { trials = 2, parallel = 2, timeout = 0.3 })
    assert.are.equal(0, r.code)
    assert.are.same({ FAILED = 2 }, by_state(trials))
    assert.are.equal('timeout after 0.3 s', trials[1].reason)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('get SIGKILL after the grace period when they ignore SIGTERM', function()
    local dir = h.tmpdir()
    h.command_study(dir, 'ignore_term.sh', { trials = 1, timeout = 0.3, grace = 0.3 })
    local t0 = os.time()
    local r = h.run(dir, { 'cmd.lua' })
    assert.are.equal(0, r.code)
    assert.is_true(os.time() - t0 < 10)
    local trials = h.trials(dir .. '/cmd.db')
    assert.are.equal('timeout after 0.3 s', trials[1].reason)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('keep memory bounded when a trial floods stdout and writes a 10 MB line', function()
    local r, trials, dir = run('flood.sh', { trials = 1 })
    assert.are.equal(0, r.code, r.err)
    assert.are.equal('COMPLETE', trials[1].state)
    assert.are.equal(0.5, trials[1].value)
    assert.are.equal(1, trials[1].malformed)  -- the overlong line
    local f = io.open(trials[1].log_dir .. '/stdout.log', 'rb')
    assert.are.equal(30000000, f:seek('end'))
    f:close()
    assert.matches('too long', h.read(trials[1].log_dir .. '/hpolua.log'))
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('log and count malformed report lines without failing', function()
    local r, trials, dir = run('malformed.sh', { trials = 1 })
    assert.are.equal(0, r.code)
    assert.are.equal('COMPLETE', trials[1].state)
    assert.are.equal(0.25, trials[1].value)
    assert.are.equal(3, trials[1].malformed)
    local log = h.read(trials[1].log_dir .. '/hpolua.log')
    assert.matches('malformed report line 1: {"loss": 3', log)
    assert.matches('not json at all', log)
    assert.matches('%[3 malformed report lines%]', r.out)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('kill a grandchild that outlives its trial', function()
    local _, trials, dir = run('grandchild.sh', { trials = 2 })
    assert.are.same({ COMPLETE = 2 }, by_state(trials))
    assert.are.equal(2, #h.trial_pids(dir .. '/cmd.trials'))
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('fail when no value is reported', function()
    local _, trials, dir = run('noreport.sh', { trials = 1 })
    assert.are.equal("no value: no report had the metric 'loss'", trials[1].reason)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('are retried up to retries times', function()
    local r, trials, dir = run('flaky.sh', { trials = 4, retries = 1 })
    assert.are.equal(0, r.code)
    -- Trial 0 fails once, its retry (trial 1) completes, and so on.
    assert.are.same({ COMPLETE = 2, FAILED = 2 }, by_state(trials))
    assert.are.equal('FAILED', trials[1].state)
    assert.are.equal(0, trials[2].retry_of)
    assert.are.equal(trials[1].params, trials[2].params)
    assert.are.equal('COMPLETE', trials[2].state)
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('stop the study at once when the program does not exist', function()
    local dir = h.tmpdir()
    h.write(dir .. '/typo.lua', [[
return hpo.study({
  space = { x = hpo.uniform(0, 1) },
  run = { 'pythn3', 'train.py', '--x={x}' },
  trials = 10,
})]])
    local r = h.run(dir, { 'typo.lua' })
    assert.are.equal(1, r.code)
    assert.matches("cannot run 'pythn3': no such file or directory %(ENOENT%)", r.out)
    assert.are.equal(1, #h.trials(dir .. '/typo.db'))
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('substitute parameters into argv and pass the trial environment', function()
    local dir = h.tmpdir()
    h.write(dir .. '/env.lua', [[
return hpo.study({
  space = { n = hpo.int(1, 3), act = hpo.choice({ 'relu', 'tanh' }) },
  run = { 'sh', '-c', [=[printf '{"value": %s, "n": "%s", "env": "%s %s %s"}\n' "$1" "$2" ]=]
    .. [=["$HPO_TRIAL" "$HPO_REPORT_FD" "$HPO_STUDY" >&3; test -d "$HPO_TRIAL_DIR"; ]=]
    .. [=[test "$HPO_CHECKPOINT_DIR" = "$HPO_TRIAL_DIR/checkpoint"]=],
    'sh', '{n}', '--act={act}' },
  trials = 2,
})]])
    local r = h.run(dir, { 'env.lua' })
    assert.are.equal(0, r.code, r.out)
    local trials = h.trials(dir .. '/env.db')
    local cjson = require('cjson')
    for _, t in ipairs(trials) do
      assert.are.equal('COMPLETE', t.state, t.reason)
      local p, m = cjson.decode(t.params), cjson.decode(t.values)
      assert.are.equal(p.n, t.value)
      assert.are.equal('--act=' .. p.act, m.n)
      assert.are.equal(('%d 3 env'):format(t.number), m.env)
    end
    none_alive(dir)
    h.rmdir(dir)
  end)

  it('refuse a {name} that is not a parameter', function()
    local dir = h.tmpdir()
    h.write(dir .. '/bad.lua', [[
return hpo.study({
  space = { lr = hpo.uniform(0, 1) },
  run = { 'python3', 'train.py', '--lr={lt}' },
})]])
    local r = h.run(dir, { 'bad.lua' })
    assert.are.equal(2, r.code)
    assert.matches("bad%.lua:3: hpo.study: run%[3%] uses {lt}, which is not a parameter %(did "
      .. "you mean 'lr'%?%)", r.err)
    none_alive(dir)
    h.rmdir(dir)
  end)
end)

describe('a Lua objective with parallel > 1', function()
  it('runs in hpolua workers, with reports and failures', function()
    local dir = h.tmpdir()
    h.write(dir .. '/par.lua', [[
return hpo.study({
  space = { x = hpo.uniform(-1, 1) },
  objective = function(p, trial)
    trial:report(0, { loss = p.x ^ 2 + 1 })
    if p.x > 0.9 then error('too far') end
    return { loss = p.x ^ 2 }
  end,
  metric = 'loss', parallel = 2, trials = 12,
  sampler = hpo.random({ seed = 5 }),
})]])
    local r = h.run(dir, { 'par.lua' })
    assert.are.equal(0, r.code, r.err)
    local trials = h.trials(dir .. '/par.db')
    assert.are.equal(12, #trials)
    local cjson = require('cjson')
    for _, t in ipairs(trials) do
      local x = cjson.decode(t.params).x
      if x > 0.9 then
        assert.are.equal('FAILED', t.state)
        assert.matches('^exit code 1: par%.lua:5: too far$', t.reason)
      else
        assert.are.equal('COMPLETE', t.state)
        assert.near(x * x, t.value, 1e-12)
      end
    end
    none_alive(dir)
    h.rmdir(dir)
  end)
end)

describe('samplers with parallel subprocess trials', function()
  it('hands out CMA-ES generations across workers and keeps learning', function()
    local dir = h.tmpdir()
    h.write(dir .. '/cma.lua', ([[
return hpo.study({
  space = { x = hpo.uniform(-3, 3), y = hpo.uniform(-3, 3) },
  run = { 'sh', %q, '{x}', '{y}' },
  parallel = 2, trials = 90,
  sampler = hpo.cmaes({ seed = 3 }),
})]]):format(h.source .. '/tests/functional/trials/quad.sh'))
    local r = h.run(dir, { 'cma.lua' })
    assert.are.equal(0, r.code, r.out .. r.err)
    local trials = h.trials(dir .. '/cma.db')
    -- Which worker finishes first changes the order CMA-ES is told its generation in, so
    -- runs differ; 90 trials bring every order we have seen below 0.05 (60 did not always:
    -- random search gets about 0.2).
    assert.are.equal(90, #trials)
    local best = math.huge
    for _, t in ipairs(trials) do
      assert.are.equal('COMPLETE', t.state, t.reason)
      best = math.min(best, t.value)
    end
    assert.is_true(best < 0.05, 'best ' .. best)
    h.rmdir(dir)
  end)
end)

describe('schedulers with subprocess trials', function()
  it('stop trials that fall behind (ASHA) with SIGTERM, as PRUNED', function()
    local dir = h.tmpdir()
    h.write(dir .. '/asha.lua', ([[
return hpo.study({
  name = 'cmd',
  space = { x = hpo.uniform(0, 10) },
  run = { 'sh', %q, '{x}' },
  metric = 'loss',
  trials = 12,
  scheduler = hpo.asha({ min = 1, max = 8, eta = 2 }),
  sampler = hpo.random({ seed = 4 }),
})]]):format(h.source .. '/tests/functional/trials/curve.sh'))
    local r = h.run(dir, { 'asha.lua' })
    assert.are.equal(0, r.code, r.out .. r.err)
    local n = h.count_states(h.trials(dir .. '/cmd.db'))
    assert.is_true((n.PRUNED or 0) >= 4, 'pruned ' .. tostring(n.PRUNED))
    assert.is_true((n.COMPLETE or 0) >= 2)
    assert.is_nil(n.FAILED)
    for _, t in ipairs(h.trials(dir .. '/cmd.db')) do
      if t.state == 'PRUNED' then
        assert.matches('^stopped at step %d by asha$', t.reason)
      end
    end
    h.cmd_none_alive(dir)
    h.rmdir(dir)
  end)
end)

-- A study of tests/functional/trials/pbt_train.sh (a training run that checkpoints and reads
-- HPO_RESOURCE) with the given scheduler, parallel workers, trials and sampler seed, run in
-- dir (runs = the --trials of successive runs, default one run). Returns what it stored:
-- trials by number, its events (data decoded), and each trial's reports (by trial number).
local function checkpoint_study(dir, scheduler, parallel, trials, seed, runs)
  local cjson = require('cjson')
  h.write(dir .. '/ck.lua', ([[
local hpo = require('hpo')
return hpo.study({
  name = 'ck',
  space = { lr = hpo.loguniform(1e-4, 1) },
  run = { 'sh', %q, '{lr}' },
  metric = 'loss', parallel = %d, trials = %d,
  scheduler = %s,
  sampler = hpo.random({ seed = %d }),
})]]):format(h.source .. '/tests/functional/trials/pbt_train.sh', parallel, trials, scheduler,
    seed))
  for _, n in ipairs(runs or { tostring(trials) }) do
    local r = h.run(dir, { 'ck.lua', '--trials', n, '--quiet' })
    assert.are.equal(0, r.code, r.out .. r.err)
  end
  local store = assert(require('hpo.core').open_store(dir .. '/ck.db', true))
  local study = assert(store:studies())[1]
  local out, by_id = { trials = {}, events = {}, reports = {} }, {}
  for _, t in ipairs(assert(store:trials(study.id))) do
    out.trials[t.number], by_id[t.id] = t, t
  end
  for _, e in ipairs(assert(store:events(study.id))) do
    out.events[#out.events + 1] = { number = e.number, kind = e.kind,
      data = cjson.decode(e.data) }
  end
  for _, rep in ipairs(assert(store:reports(study.id))) do
    local n = by_id[rep.trial_id].number
    out.reports[n] = out.reports[n] or {}
    table.insert(out.reports[n], cjson.decode(rep.metrics))
  end
  store:close()
  return out
end

describe('population-based training', function()
  local hpo = require('hpo')

  it('replaces the worst trials by perturbed copies of the best, from their checkpoints',
    function()
    local dir = h.tmpdir()
    local st = checkpoint_study(dir, 'hpo.pbt({ interval = 3, seed = 1, resample = 0 })', 4, 14,
      2)
    local trials, reports = st.trials, st.reports
    local planned, exploits = {}, {}
    for _, e in ipairs(st.events) do
      if e.kind == 'exploit-planned' then
        planned[e.number] = e.data
      else
        assert.are.equal('exploit', e.kind)
        exploits[#exploits + 1] = e
      end
    end
    assert.is_true(#exploits >= 2, #exploits .. ' exploit events')
    local params = function(n)
      return require('cjson').decode(trials[n].params)
    end
    for _, e in ipairs(exploits) do
      local d = e.data
      -- Carried out as planned when the stopped trial's replacement was decided.
      local plan = planned[d.plan]
      assert.are.equal('PRUNED', trials[d.plan].state)
      assert.are.equal(d.from, plan.from)
      assert.near(plan.params.lr, params(e.number).lr, 1e-12)
      assert.is_true(d.copied)
      -- Explore (no resampling here): the donor's lr times 0.8 or 1.2.
      local lr = params(e.number).lr
      local ratio = lr / params(d.from).lr
      assert.is_true(math.abs(ratio - 0.8) < 1e-6 or math.abs(ratio - 1.2) < 1e-6,
        'lr ratio ' .. ratio)
      -- Exploit: the child continues from the donor's checkpoint, as of the copy (the donor
      -- runs on meanwhile: at least the step PBT decided at).
      local first = reports[e.number][1]
      assert.is_true(first.step >= d.step + 1 or first.step == 12,
        ('first step %d, decided at %d'):format(first.step, d.step))
      local donor_at = {}
      for _, rep in ipairs(reports[d.from]) do
        donor_at[rep.step] = rep.loss
      end
      -- (Unless the donor had finished when its checkpoint was copied: its final state as is.)
      if not (first.step == 12 and donor_at[12] == first.loss) then
        local l = math.log(lr, 10) + 2
        assert.near(donor_at[first.step - 1] * (1 - 0.3 * math.exp(-l * l)), first.loss, 1e-9)
      end
    end
    -- The replaced trials were stopped by PBT.
    local pruned = 0
    for _, t in pairs(trials) do
      if t.state == 'PRUNED' then
        pruned = pruned + 1
        assert.matches('by pbt', t.reason)
      end
    end
    assert.is_true(pruned >= #exploits)
    h.rmdir(dir)
  end)

  it('needs trials that are commands', function()
    local ok, err = pcall(hpo.study, { space = { x = hpo.uniform(0, 1) },
      objective = function(p) return p.x end, scheduler = hpo.pbt() })
    assert.is_false(ok)
    assert.matches("trials must be commands %('run'%)", tostring(err))
  end)
end)

describe('ASHA with promotions', function()
  local ASHA = "hpo.asha({ min = 1, max = 9, eta = 3, mode = 'promote' })"

  it('pauses new trials at the first rung and continues the best from their checkpoints',
    function()
    local dir = h.tmpdir()
    local st = checkpoint_study(dir, ASHA, 2, 24, 5)
    local trials = st.trials
    -- Events come in the order they happened: each promotion is checked against the trials
    -- paused at its rung before it (asynchronous ASHA decides on what it has seen so far).
    local rung_of, promoted, seen = {}, {}, {}
    for _, e in ipairs(st.events) do
      local d = e.data
      if e.kind == 'pause' then
        rung_of[e.number] = d.resource
        seen[d.resource] = seen[d.resource] or {}
        table.insert(seen[d.resource], d.value)
        assert.are.equal(d.resource, d.step)  -- paused exactly at its resource
        assert.matches('paused at step', trials[e.number].reason)
      elseif e.kind == 'promote' then
        local rung = rung_of[d.from]
        promoted[#promoted + 1] = { child = e.number, from = d.from, resource = d.resource }
        -- Among the top 1/eta of its rung so far (asynchronous ASHA may later promote a
        -- newer top trial too: more than 1/eta of a rung can end up promoted).
        local values = table.move(seen[rung], 1, #seen[rung], 1, {})
        table.sort(values)
        local mine
        for _, q in ipairs(st.events) do
          if q.kind == 'pause' and q.number == d.from then
            mine = q.data.value
          end
        end
        assert.is_true(#values >= 3 and mine <= values[#values // 3] + 1e-12,
          'promoted from outside the top')
      end
    end
    assert.is_true(#promoted >= 3, #promoted .. ' promotions')
    for _, p in ipairs(promoted) do
      -- eta times the resource of the rung it was paused at, from its checkpoint, same params
      assert.are.equal(rung_of[p.from] * 3, p.resource)
      assert.are.equal(rung_of[p.from] + 1, st.reports[p.child][1].step)
      assert.are.equal(trials[p.from].params, trials[p.child].params)
    end
    -- Some trial reached the top rung and completed there.
    local complete = 0
    for _, t in pairs(trials) do
      complete = complete + (t.state == 'COMPLETE' and 1 or 0)
    end
    assert.is_true(complete >= 1)
    h.rmdir(dir)
  end)

  it('keeps its rungs across a resume: no trial is promoted twice', function()
    local dir = h.tmpdir()
    local st = checkpoint_study(dir, ASHA, 1, 24, 6, { '7', '16', '24' })  -- three runs
    local from, count = {}, 0
    for _, e in ipairs(st.events) do
      if e.kind == 'promote' then
        assert.is_nil(from[e.data.from], 'trial ' .. e.data.from .. ' promoted twice')
        from[e.data.from], count = true, count + 1
      end
    end
    assert.is_true(count >= 3)
    h.rmdir(dir)
  end)

  it('runs Hyperband brackets in the promotion form', function()
    local dir = h.tmpdir()
    local st = checkpoint_study(dir,
      "hpo.hyperband({ min = 1, max = 9, eta = 3, mode = 'promote' })", 2, 34, 7)
    local continued, paused_at, from = {}, {}, {}
    for _, e in ipairs(st.events) do
      if e.kind == 'promote' then
        continued[e.number] = e.data
        assert.is_nil(from[e.data.from], 'promoted twice')
        from[e.data.from] = true
      elseif e.kind == 'pause' then
        paused_at[e.number] = e.data.resource
      end
    end
    -- Brackets start new trials at 1 (s = 2), 3 (s = 1) or 9 (s = 0): all three occur.
    local starts = {}
    for n, t in pairs(st.trials) do
      if not continued[n] then
        local start = paused_at[n] or (t.state == 'COMPLETE' and 9)
        if start then
          starts[start] = true
        end
      end
    end
    assert.is_true(starts[1] and starts[3] and starts[9], 'new trials start at 1, 3 and 9')
    for n, d in pairs(continued) do
      assert.are.equal(paused_at[d.from] * 3, d.resource, 'continuation ' .. n)
    end
    h.rmdir(dir)
  end)
end)
