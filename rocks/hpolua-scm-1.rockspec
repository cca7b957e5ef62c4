rockspec_format = '3.0'
package = 'hpolua'
version = 'scm-1'
source = {
  url = 'git+file://.',
}
description = {
  summary = 'Hyperparameter optimisation with C engines, scripted in Lua',
  detailed = [[
hpolua runs hyperparameter studies written in Lua: search spaces, samplers (random, Sobol,
grid and model-based engines in C) and SQLite storage that survives a killed study.
Installs the hpo module (require('hpo'), with the C bindings hpo.core) and the hpolua program.]],
  license = 'MIT',
}
dependencies = {
  'lua >= 5.4, < 5.5',
  'lua-cjson >= 2.1',
}
external_dependencies = {
  SQLITE = { header = 'sqlite3.h' },
}
build = {
  type = 'cmake',
  variables = {
    CMAKE_BUILD_TYPE = 'Release',
    CMAKE_INSTALL_PREFIX = '$(PREFIX)',
    HPO_LUA_LMOD = '$(LUADIR)',
    HPO_LUA_CMOD = '$(LIBDIR)',
    HPO_TESTS = 'OFF',
  },
}
test = {
  type = 'busted',
}
