-- hpolua killed or interrupted while subprocess trials run: nothing finished is lost, no
-- trial number repeats, and no trial process is left running.
local h = require('helpers')

local states, none_alive = h.count_states, h.cmd_none_alive

local function running_count(db)
  local ok, trials = pcall(h.trials, db)
  if not ok then
    return 0, 0
  end
  local n, done = 0, 0
  for _, t in ipairs(trials) do
    n = n + (t.state == 'RUNNING' and 1 or 0)
    done = done + (t.state == 'COMPLETE' and 1 or 0)
  end
  return n, done
end

-- Rounds of kill -9 with 4 trials running; CHAOS_ROUNDS raises it (20 for a local soak).
local rounds = tonumber(os.getenv('CHAOS_ROUNDS') or '2')

describe('kill -9 of hpolua with 4 trials running', function()
  for round = 1, rounds do
    it(('loses nothing and leaves no process (round %d)'):format(round), function()
      local dir = h.tmpdir()
      h.command_study(dir, 'slow_report.sh', { trials = 24, parallel = 4 })
      local db = dir .. '/cmd.db'
      local pid = h.spawn(dir, { 'cmd.lua' })
      assert.is_true(h.wait_for(function()
        local running, done = running_count(db)
        return running == 4 and done >= 4 + round % 3
      end, 60), 'never had 4 running trials')
      -- Frozen first, so no trial can be recorded between the snapshot and the kill.
      os.execute('kill -STOP ' .. pid)
      local before = h.trials(db)
      os.execute('kill -9 ' .. pid)
      h.wait_exit(dir, 10)
      -- The watchdog stops the orphaned trials.
      assert.is_true(h.wait_for(function()
        for _, p in ipairs(h.trial_pids(dir .. '/cmd.trials')) do
          if h.alive(p) then
            return false
          end
        end
        return true
      end, 5), 'trial processes outlived hpolua')
      local r = h.run(dir, { 'cmd.lua' })
      assert.are.equal(0, r.code, r.err)
      local after = h.trials(db)
      local n = states(after)
      assert.are.equal(24, n.COMPLETE)
      assert.is_true((n.FAILED or 0) >= 4)  -- the four interrupted ones
      local by_number = {}
      for _, t in ipairs(after) do
        by_number[t.number] = t
      end
      for _, t in ipairs(before) do
        if t.state == 'COMPLETE' then
          assert.are.equal(t.value, by_number[t.number].value)
          assert.are.equal('COMPLETE', by_number[t.number].state)
        elseif t.state == 'RUNNING' then
          assert.are.equal('interrupted', by_number[t.number].reason)
        end
      end
      none_alive(dir)
      h.rmdir(dir)
    end)
  end
end)

describe('Ctrl-C with subprocess trials running', function()
  it('lets running trials finish, then exits 130 and resumes', function()
    local dir = h.tmpdir()
    h.command_study(dir, 'slow_report.sh', { trials = 12, parallel = 2, grace = 5 })
    local db = dir .. '/cmd.db'
    local pid = h.spawn(dir, { 'cmd.lua' })
    assert.is_true(h.wait_for(function()
      local running, done = running_count(db)
      return running == 2 and done >= 2
    end, 60))
    os.execute('kill -INT ' .. pid)
    assert.are.equal(130, h.wait_exit(dir, 20))
    local out = h.read(dir .. '/bg.out')
    assert.matches('SIGINT: no new trials; waiting up to 5 s for 2 running', out)
    local n = states(h.trials(db))
    assert.is_nil(n.RUNNING)
    assert.is_nil(n.FAILED)  -- both running trials finished within the grace period
    none_alive(dir)
    local r = h.run(dir, { 'cmd.lua' })
    assert.are.equal(0, r.code)
    assert.are.equal(12, states(h.trials(db)).COMPLETE)
    h.rmdir(dir)
  end)

  it('stops running trials after the grace period, or at once on a second Ctrl-C', function()
    for _, second in ipairs({ false, true }) do
      local dir = h.tmpdir()
      h.command_study(dir, 'ignore_term.sh', { trials = 4, parallel = 2, grace = 0.5 })
      local db = dir .. '/cmd.db'
      local pid = h.spawn(dir, { 'cmd.lua' })
      assert.is_true(h.wait_for(function()
        return running_count(db) == 2 and #h.trial_pids(dir .. '/cmd.trials') == 2
      end, 60))
      os.execute('kill -INT ' .. pid)
      if second then
        h.sleep(0.1)
        os.execute('kill -INT ' .. pid)
      end
      assert.are.equal(130, h.wait_exit(dir, 20))
      local trials = h.trials(db)
      local n = states(trials)
      assert.are.equal(2, n.FAILED)
      assert.are.equal(2, n.WAITING)  -- queued to run again on resume
      for _, t in ipairs(trials) do
        if t.state == 'FAILED' then
          assert.are.equal('interrupted', t.reason)
        end
      end
      none_alive(dir)
      h.rmdir(dir)
    end
  end)
end)
