--- Helpers shared by the busted specs of tests/spec.
local M = {}

--- A path for a study file that does not exist yet.
function M.tmpdb()
  local p = os.tmpname()
  os.remove(p)
  return p .. '.db'
end

--- Remove a study file and its WAL files.
function M.cleanup(path)
  for _, s in ipairs({ '', '-wal', '-shm' }) do
    os.remove(path .. s)
  end
end

--- hpo.study(def) with the fields of extra (may be nil) added or replaced.
function M.study(def, extra)
  for k, v in pairs(extra or {}) do
    def[k] = v
  end
  return require('hpo').study(def)
end

return M
