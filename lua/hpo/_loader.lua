--- Loading study files: as text only, into an environment of their own where reading or
--- writing an unknown global is an error that names it (a typo must not pass silently).
local util = require('hpo._util')

local M = {}

-- The globals a study file sees: Lua's standard library and hpo.
local STANDARD = {
  '_VERSION', 'assert', 'collectgarbage', 'coroutine', 'debug', 'dofile', 'error',
  'getmetatable', 'io', 'ipairs', 'load', 'loadfile', 'math', 'next', 'os', 'package',
  'pairs', 'pcall', 'print', 'rawequal', 'rawget', 'rawlen', 'rawset', 'require', 'select',
  'setmetatable', 'string', 'table', 'tonumber', 'tostring', 'type', 'utf8', 'warn', 'xpcall',
}

--- A fresh strict environment for one study file.
function M.environment()
  local base = { hpo = require('hpo') }
  for _, name in ipairs(STANDARD) do
    base[name] = _G[name]
  end
  base._G = base
  local known = util.sorted_keys(base)
  return setmetatable({}, {
    __index = function(_, k)
      local v = base[k]
      if v == nil then
        error(("unknown global '%s'%s"):format(tostring(k), util.suggest(tostring(k), known)), 2)
      end
      return v
    end,
    __newindex = function(_, k)
      error(("assignment to undeclared global '%s' (declare it with local)"):format(
        tostring(k)), 2)
    end,
  })
end

--- Load and run a study file; returns its hpo.Study. Every problem is a study error that
--- names the file (and line, when there is one).
---@param path string
---@return hpo.Study
function M.load(path)
  local f, err = io.open(path, 'rb')
  if not f then
    util.fail(nil, 'cannot open study file: %s', err)
  end
  local text = f:read('a')
  f:close()
  if text:sub(1, 1) == '#' then
    text = '--' .. text  -- a '#!' line, as lua.c allows
  end
  local chunk, lerr = load(text, '@' .. path, 't', M.environment())
  if not chunk then
    util.fail(nil, '%s', lerr)
  end
  util.study_source = '@' .. path
  util.study_text = text
  local ok, res = pcall(chunk)
  if not ok then
    if util.is_study_error(res) then
      error(res, 0)
    end
    util.fail(nil, '%s', tostring(res))
  end
  local Study = require('hpo.study').Study
  if getmetatable(res) ~= Study then
    util.fail(path, 'a study file must return hpo.study({...}), got %s', type(res))
  end
  res.source = path
  return res
end

return M
