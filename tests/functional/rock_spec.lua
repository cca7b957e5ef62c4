-- The rock: `luarocks make` installs the hpo module and the hpolua program into a local
-- tree, offline, and a plain lua5.4 then runs a study through require('hpo').
local h = require('helpers')

describe('rocks/hpolua-scm-1.rockspec', function()
  it('installs with luarocks make into a local tree and works from plain Lua', function()
    local dir = h.tmpdir()
    local src, tree = dir .. '/src', dir .. '/tree'
    assert(os.execute(('mkdir -p %s && cd %s && cp -r CMakeLists.txt cmake src lua rocks %s')
      :format(h.quote(src), h.quote(h.source), h.quote(src))))
    -- lua-cjson comes from Debian's package here, not from a rock: --deps-mode=none.
    local ok = os.execute(('cd %s && luarocks --lua-version 5.4 --tree %s make '
      .. 'rocks/hpolua-scm-1.rockspec --deps-mode=none >%s/make.log 2>&1')
      :format(h.quote(src), h.quote(tree), h.quote(dir)))
    assert.is_true(ok, h.read(dir .. '/make.log'))
    local lua_path = ('%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;;'):format(tree, tree)
    local lua_cpath = ('%s/lib/lua/5.4/?.so;;'):format(tree)
    local script = [[
local hpo = require('hpo')
assert(package.searchpath('hpo.core', package.cpath):find(os.getenv('TREE'), 1, true))
local r = hpo.study({
  space = { x = hpo.uniform(-10, 10) },
  objective = function(p) return (p.x - 3) ^ 2 end,
  trials = 40,
  sampler = hpo.qmc({ seed = 2 }),
}):optimize({ quiet = true })
io.write(r.counts.COMPLETE, ' ', r.best.value < 0.5 and 'ok' or 'bad', '\n')]]
    h.write(dir .. '/use.lua', script)
    local p = io.popen(('cd %s && env -u LUA_PATH -u LUA_CPATH TREE=%s LUA_PATH=%s LUA_CPATH=%s '
      .. 'lua5.4 use.lua 2>&1'):format(h.quote(dir), h.quote(tree), h.quote(lua_path),
      h.quote(lua_cpath)))
    local out = p:read('a')
    p:close()
    assert.are.equal('40 ok\n', out)
    local v = io.popen(h.quote(tree .. '/bin/hpolua') .. ' --version'):read('a')
    assert.matches('^hpolua %d', v)
    h.rmdir(dir)
  end)

  it('installs hpolua with cmake --install and runs it from another directory', function()
    local dir = h.tmpdir()
    local bin = os.getenv('HPO_BINARY_DIR')
    assert(os.execute(('cmake --install %s --prefix %s >/dev/null'):format(h.quote(bin),
      h.quote(dir .. '/prefix'))))
    h.write(dir .. '/q.lua', h.read(h.source .. '/examples/quickstart.lua'))
    local p = io.popen(('cd / && env -u LUA_PATH -u LUA_CPATH %s %s --trials 3 2>&1; echo $?')
      :format(h.quote(dir .. '/prefix/bin/hpolua'), h.quote(dir .. '/q.lua')))
    local out = p:read('a')
    p:close()
    assert.matches('trials: 3 complete', out)
    assert.matches('\n0\n$', out)
    assert.truthy(h.read(dir .. '/prefix/lib/lua/5.4/hpo/core.so'))
    assert.truthy(h.read(dir .. '/prefix/share/lua/5.4/hpo/init.lua'))
    h.rmdir(dir)
  end)
end)
