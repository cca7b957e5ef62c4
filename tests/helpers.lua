--- Helpers for the functional specs: run the real hpolua binary in a scratch directory.
local M = {}

M.hpolua = assert(os.getenv('HPOLUA'), 'HPOLUA must name the hpolua binary')
M.source = assert(os.getenv('HPO_SOURCE_DIR'), 'HPO_SOURCE_DIR must be set')

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = q

function M.read(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local s = f:read('a')
  f:close()
  return s
end

function M.write(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

--- A fresh scratch directory.
function M.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute('mkdir -p ' .. q(p)))
  return p
end

function M.rmdir(dir)
  os.execute('rm -rf ' .. q(dir))
end

function M.ls(dir)
  local names = {}
  for n in io.popen('ls -A ' .. q(dir)):lines() do
    names[#names + 1] = n
  end
  table.sort(names)
  return names
end

--- Run hpolua with args in dir; returns {code=, out=, err=}.
function M.run(dir, args, env)
  local parts = { 'cd', q(dir), '&&' }
  for k, v in pairs(env or {}) do
    parts[#parts + 1] = k .. '=' .. q(v)
  end
  parts[#parts + 1] = q(M.hpolua)
  for _, a in ipairs(args) do
    parts[#parts + 1] = q(a)
  end
  parts[#parts + 1] = '>' .. q(dir .. '/.out') .. ' 2>' .. q(dir .. '/.err') .. ' </dev/null'
  local _, _, code = os.execute(table.concat(parts, ' '))
  local r = { code = code, out = M.read(dir .. '/.out'), err = M.read(dir .. '/.err') }
  os.remove(dir .. '/.out')
  os.remove(dir .. '/.err')
  return r
end

--- Start hpolua in the background; returns its pid. Its exit status lands in dir/.rc.
function M.spawn(dir, args)
  os.remove(dir .. '/.pid')
  os.remove(dir .. '/.rc')
  local parts = { q(M.hpolua) }
  for _, a in ipairs(args) do
    parts[#parts + 1] = q(a)
  end
  local cmd = ('cd %s && { %s >bg.out 2>bg.err </dev/null & echo $! > .pid; wait $!; '
    .. 'echo $? > .rc; } >/dev/null 2>&1 &'):format(q(dir), table.concat(parts, ' '))
  assert(os.execute(cmd))
  local pid
  M.wait_for(function()
    pid = tonumber(M.read(dir .. '/.pid') or '')
    return pid ~= nil
  end, 10)
  return assert(pid, 'hpolua did not start')
end

--- Exit status of the process spawned in dir, once it has exited (else nil).
function M.exit_code(dir)
  return tonumber(M.read(dir .. '/.rc') or '')
end

function M.sleep(s)
  os.execute('sleep ' .. s)
end

--- Wait (up to timeout seconds) until pred() is true; returns whether it became true.
function M.wait_for(pred, timeout)
  local deadline = os.time() + (timeout or 30)
  while os.time() <= deadline do
    if pred() then
      return true
    end
    M.sleep(0.05)
  end
  return pred()
end

--- Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes here).
function M.alive(pid)
  local stat = M.read('/proc/' .. pid .. '/stat')
  return stat ~= nil and stat:match('%) (%a)') ~= 'Z'
end

--- PIDs that trial fixtures wrote to <trials dir>/<number>/pids, for every trial.
function M.trial_pids(trials_dir)
  local pids = {}
  for _, n in ipairs(M.ls(trials_dir)) do
    local text = M.read(trials_dir .. '/' .. n .. '/pids') or ''
    for pid in text:gmatch('%d+') do
      pids[#pids + 1] = tonumber(pid)
    end
  end
  return pids
end

--- Trials counted by state; asserts that no trial number repeats.
function M.count_states(trials)
  local n, numbers = {}, {}
  for _, t in ipairs(trials) do
    n[t.state] = (n[t.state] or 0) + 1
    assert(not numbers[t.number], 'duplicate trial number ' .. t.number)
    numbers[t.number] = true
  end
  return n
end

--- Assert that no process of the 'cmd' study in dir (see command_study) is still running.
function M.cmd_none_alive(dir)
  M.assert_none_alive(dir .. '/cmd.trials')
end

--- Assert that no process a fixture trial recorded in its pids file is still running.
function M.assert_none_alive(trials_dir)
  for _, pid in ipairs(M.trial_pids(trials_dir)) do
    assert(not M.alive(pid), 'trial process ' .. pid .. ' is still running')
  end
end

--- Wait for the process spawned in dir to exit; returns its exit status.
function M.wait_exit(dir, timeout)
  assert(M.wait_for(function()
    return M.exit_code(dir) ~= nil
  end, timeout or 20), 'hpolua did not exit')
  return M.exit_code(dir)
end

--- A study file in dir that runs tests/functional/trials/<script> with argument {x}.
function M.command_study(dir, script, fields)
  local lines = {
    'return hpo.study({',
    "  name = 'cmd',",
    '  space = { x = hpo.uniform(0, 1) },',
    ("  run = { 'sh', %q, '{x}' },"):format(M.source .. '/tests/functional/trials/' .. script),
    "  metric = 'loss',",
    '  sampler = hpo.qmc({ seed = 1 }),',
  }
  for k, v in pairs(fields or {}) do
    lines[#lines + 1] = ('  %s = %s,'):format(k, v)
  end
  lines[#lines + 1] = '})'
  M.write(dir .. '/cmd.lua', table.concat(lines, '\n') .. '\n')
  return dir .. '/cmd.lua'
end

--- Trials of the only study in a database, read through hpo.core.
function M.trials(db)
  local core = require('hpo.core')
  local store = assert(core.open_store(db, true))
  local study = assert(store:studies()[1])
  local trials = assert(store:trials(study.id))
  store:close()
  return trials
end

return M
