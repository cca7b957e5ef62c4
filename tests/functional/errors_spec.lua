-- Every bad study file is refused before anything runs: a message naming the file, line and
-- parameter or field, exit status 2, and no storage file created.
local h = require('helpers')

local cases = {
  { 'bad_bounds.lua', "bad_bounds%.lua:4: parameter 'lr': low must be less than high" },
  { 'bad_log.lua', "bad_log%.lua:3: parameter 'lr': a log%-scale range needs low > 0" },
  { 'empty_choice.lua', 'empty_choice%.lua:3: choice: needs at least one value' },
  { 'bad_step.lua', "bad_step%.lua:3: parameter 'units': step does not divide the range" },
  { 'unknown_condition.lua', "unknown_condition%.lua:4: parameter 'momentum': condition on "
    .. "unknown parameter 'optimiser' %(did you mean 'optimizer'%?%)" },
  { 'unknown_condition_value.lua', "unknown_condition_value%.lua:4: parameter 'momentum': "
    .. "condition value \"rmsprop\" is not a value of 'optimizer'" },
  { 'cycle.lua', 'cycle%.lua:%d: condition cycle: a %-> b %-> a' },
  { 'typo_field.lua', "typo_field%.lua:4: hpo.study: unknown field 'trails' %(did you mean "
    .. "'trials'%?%)" },
  { 'wrong_type.lua', "wrong_type%.lua:4: hpo.study: field 'trials' must be an integer, "
    .. 'got "10"' },
  { 'wrong_param_type.lua', "wrong_param_type%.lua:4: parameter 'y': expected hpo.uniform, "
    .. 'loguniform, int, discrete or choice, got number' },
  { 'unknown_global.lua', "unknown_global%.lua:6: unknown global 'sacle'" },
  { 'global_write.lua', "global_write%.lua:1: assignment to undeclared global 'objective'" },
  { 'syntax.lua', "syntax%.lua:3: '}' expected %(to close '{' at line 1%) near 'objective'" },
  { 'no_return.lua', 'no_return%.lua: a study file must return hpo.study%({...}%), got nil' },
}

describe('hpolua on a bad study file', function()
  for _, case in ipairs(cases) do
    local file, pattern = case[1], case[2]
    it('refuses ' .. file .. ' with exit 2, a located message and no storage', function()
      local dir = h.tmpdir()
      h.write(dir .. '/' .. file, h.read(h.source .. '/tests/functional/studies/' .. file))
      local r = h.run(dir, { file })
      assert.are.equal(2, r.code)
      assert.matches('^hpolua: ' .. pattern, r.err)
      assert.are.equal('', r.out)
      assert.are.same({ file }, h.ls(dir))
      h.rmdir(dir)
    end)
  end

  it('names a missing study file', function()
    local dir = h.tmpdir()
    local r = h.run(dir, { 'nope.lua' })
    assert.are.equal(2, r.code)
    assert.matches('cannot open study file: nope%.lua: No such file', r.err)
    h.rmdir(dir)
  end)
end)

describe('hpolua usage errors', function()
  local dir = h.tmpdir()
  teardown(function()
    h.rmdir(dir)
  end)

  it('exits 2 on an unknown option, with a hint', function()
    local r = h.run(dir, { 'x.lua', '--trails', '3' })
    assert.are.equal(2, r.code)
    assert.matches("unknown option '%-%-trails' %(did you mean 'trials'%?%)", r.err)
  end)

  it('exits 2 on a bad option value', function()
    local r = h.run(dir, { 'x.lua', '--trials', 'many' })
    assert.are.equal(2, r.code)
    assert.matches("option '%-%-trials' needs an integer, got 'many'", r.err)
  end)

  it('exits 2 without arguments and 0 for --help and --version', function()
    assert.are.equal(2, h.run(dir, {}).code)
    local r = h.run(dir, { '--help' })
    assert.are.equal(0, r.code)
    assert.matches('usage: hpolua STUDY%.lua', r.out)
    r = h.run(dir, { '--version' })
    assert.are.equal(0, r.code)
    assert.matches('^hpolua %d+%.%d+%.%d+ %(Lua 5%.4%)', r.out)
  end)

  it('evaluates -e code with hpo loaded', function()
    local r = h.run(dir, { '-e', 'print(hpo.functions.branin(math.pi, 2.275))' })
    assert.are.equal(0, r.code)
    assert.near(0.397887, tonumber(r.out), 1e-6)
  end)

  it('exits 2 for show on a missing file and 1 on a file that is not a study', function()
    local r = h.run(dir, { 'show', 'missing.db' })
    assert.are.equal(2, r.code)
    assert.matches('no such study file: missing%.db', r.err)
    h.write(dir .. '/junk.db', ('not a database\n'):rep(100))
    r = h.run(dir, { 'best', 'junk.db' })
    assert.are.equal(1, r.code)
    assert.matches('junk%.db', r.err)
  end)
end)
