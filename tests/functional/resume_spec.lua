-- Killing hpolua at any moment loses no finished trial; the next run resumes.
local h = require('helpers')

local function count(trials, state)
  local n = 0
  for _, t in ipairs(trials) do
    n = n + (t.state == state and 1 or 0)
  end
  return n
end

local function setup()
  local dir = h.tmpdir()
  h.write(dir .. '/slow.lua', h.read(h.source .. '/tests/functional/studies/slow.lua'))
  return dir, dir .. '/slow.db'
end

describe('hpolua resume', function()
  it('keeps every finished trial after kill -9 and completes the budget on rerun', function()
    local dir, db = setup()
    local pid = h.spawn(dir, { 'slow.lua' })
    assert.is_true(h.wait_for(function()
      local f = io.open(db)
      if not f then
        return false
      end
      f:close()
      local ok, trials = pcall(h.trials, db)
      return ok and count(trials, 'COMPLETE') >= 8
    end, 60))
    os.execute('kill -9 ' .. pid)
    assert.are.equal(137, h.wait_exit(dir, 10))
    local before = h.trials(db)
    local finished = {}
    for _, t in ipairs(before) do
      if t.state == 'COMPLETE' then
        finished[t.number] = t
      end
    end
    local r = h.run(dir, { 'slow.lua' })
    assert.are.equal(0, r.code, r.err)
    assert.matches('resuming with %d+ finished trials', r.out)
    local after = h.trials(db)
    -- Every trial finished before the kill is still there, unchanged.
    local by_number = {}
    for _, t in ipairs(after) do
      assert.is_nil(by_number[t.number], 'duplicate trial number ' .. t.number)
      by_number[t.number] = t
    end
    for n, t in pairs(finished) do
      assert.are.equal(t.value, by_number[n].value)
      assert.are.equal(t.params, by_number[n].params)
    end
    assert.are.equal(40, count(after, 'COMPLETE'))
    assert.are.equal(0, count(after, 'RUNNING') + count(after, 'WAITING'))
    -- A trial that was running when killed is FAILED 'interrupted' and ran again.
    for _, t in ipairs(after) do
      if t.state == 'FAILED' then
        assert.are.equal('interrupted', t.reason)
        local rerun = false
        for _, u in ipairs(after) do
          rerun = rerun or (u.number > t.number and u.params == t.params and u.state == 'COMPLETE')
        end
        assert.is_true(rerun, 'trial ' .. t.number .. ' was not run again')
      end
    end
    h.rmdir(dir)
  end)

  it('exits 130 on Ctrl-C, records the running trial and resumes', function()
    local dir, db = setup()
    local pid = h.spawn(dir, { 'slow.lua' })
    assert.is_true(h.wait_for(function()
      local ok, trials = pcall(h.trials, db)
      return ok and count(trials, 'COMPLETE') >= 3
    end, 60))
    os.execute('kill -INT ' .. pid)
    assert.are.equal(130, h.wait_exit(dir, 20))
    local out = h.read(dir .. '/bg.out')
    assert.matches("study 'slow': interrupted; run it again to resume", out)
    local trials = h.trials(db)
    assert.are.equal(0, count(trials, 'RUNNING'))
    local r = h.run(dir, { 'slow.lua' })
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(40, count(h.trials(db), 'COMPLETE'))
    h.rmdir(dir)
  end)

  it('lets two processes share one study file without duplicates or overrun', function()
    local dir, db = setup()
    local other = h.tmpdir()
    local a = h.spawn(dir, { 'slow.lua' })
    local b = h.spawn(other, { h.source .. '/tests/functional/studies/slow.lua', '--storage', db })
    assert.is_truthy(a and b)
    assert.is_true(h.wait_for(function()
      return h.exit_code(dir) ~= nil and h.exit_code(other) ~= nil
    end, 60))
    assert.are.equal(0, h.exit_code(dir), h.read(dir .. '/bg.err'))
    assert.are.equal(0, h.exit_code(other), h.read(other .. '/bg.err'))
    local trials = h.trials(db)
    assert.are.equal(40, #trials)
    assert.are.equal(40, count(trials, 'COMPLETE'))
    for i, t in ipairs(trials) do
      assert.are.equal(i - 1, t.number)
    end
    h.rmdir(dir)
    h.rmdir(other)
  end)
end)
