--- Internal helpers: study errors with file:line, JSON, small table utilities.
local M = {}

local cjson = require('cjson')
-- A private cjson instance that encodes sparse arrays as objects instead of raising.
-- lua-cjson 2.1 writes numbers with at most 14 significant digits, so the runner passes
-- params through one JSON round trip before a trial runs: what is stored is exactly what ran.
local json = cjson.new()
json.encode_number_precision(14)
json.encode_sparse_array(true)
json.encode_invalid_numbers(false)
M.null = json.null

---@class hpo.StudyError
---@field msg string
local StudyError = {}
StudyError.__index = StudyError
StudyError.__tostring = function(e)
  return e.msg
end
M.StudyError = StudyError

--- The chunkname ('@path') and text of the study file being loaded or run, set by the loader.
M.study_source = nil
M.study_text = nil

-- Line number of the first match of pattern in the study file's text, or nil.
local function study_line(pattern)
  if not M.study_text then
    return nil
  end
  local n = 0
  for line in (M.study_text .. '\n'):gmatch('([^\n]*)\n') do
    n = n + 1
    if line:find(pattern) then
      return n
    end
  end
  return nil
end

local function study_short_src()
  return M.study_source and M.study_source:sub(2)
end

local function is_runtime_source(src)
  -- Frames inside lua/hpo itself, embedded ('@hpo/x.lua') or from a path ('.../hpo/x.lua').
  return src:find('^@hpo/') ~= nil or src:find('/hpo/[%w_]+%.lua$') ~= nil
    or src:find('^=%[C%]') ~= nil
end

--- Location ('file:line') of the user code that called into hpo: the innermost frame in
--- the study file, or else the innermost frame outside the hpo runtime.
---@return string|nil
function M.where()
  local fallback
  for level = 2, 64 do
    local info = debug.getinfo(level, 'Sl')
    if not info then
      break
    end
    if info.what ~= 'C' and info.currentline and info.currentline > 0 then
      if M.study_source and info.source == M.study_source then
        return info.short_src .. ':' .. info.currentline
      end
      if not fallback and not is_runtime_source(info.source) then
        fallback = info.short_src .. ':' .. info.currentline
      end
    end
  end
  -- `return hpo.study({...})` is a tail call, so the study file's frame is gone by the
  -- time hpo.study runs: point at the call in the file's text instead.
  local line = study_line('hpo%.study%s*%(')
  if line and not fallback then
    return study_short_src() .. ':' .. line
  end
  return fallback
end

--- The location of `name = ...` in the study file (a field or a parameter), else `where`.
function M.where_field(name, where)
  local line = type(name) == 'string' and study_line('%f[%w_]' .. name:gsub('%p', '%%%0')
    .. '%s*=[^=]')
  if line then
    return study_short_src() .. ':' .. line
  end
  return where
end

--- Raise a study error: a message for the user, prefixed with a location when known.
---@param where string|nil  'file:line'
---@param fmt string
function M.fail(where, fmt, ...)
  local msg = select('#', ...) > 0 and fmt:format(...) or fmt
  if where then
    msg = where .. ': ' .. msg
  end
  error(setmetatable({ msg = msg }, StudyError), 0)
end

--- Like fail(), at the location of the user code calling into hpo.
function M.fail_here(fmt, ...)
  M.fail(M.where(), fmt, ...)
end

function M.is_study_error(e)
  return getmetatable(e) == StudyError
end

--- A failure of the environment (storage, files) rather than of the study: exit status 1,
--- printed without a traceback.
local RuntimeError = { __tostring = StudyError.__tostring }
M.RuntimeError = RuntimeError

function M.fail_runtime(msg)
  error(setmetatable({ msg = tostring(msg) }, RuntimeError), 0)
end

function M.is_runtime_error(e)
  return getmetatable(e) == RuntimeError
end

function M.json_encode(v)
  return json.encode(v)
end

--- Decode JSON; returns nil, message on malformed text.
function M.json_decode(s)
  local ok, v = pcall(json.decode, s)
  if ok then
    return v
  end
  return nil, v
end

--- Sort a list of records in place, largest `by` first, ties by `name` (ascending).
function M.sort_desc(list, by, name)
  table.sort(list, function(a, b)
    if a[by] ~= b[by] then
      return a[by] > b[by]
    end
    return a[name] < b[name]
  end)
  return list
end

--- Keys of a table, sorted (strings before numbers are not mixed in hpo tables).
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    if type(a) == type(b) then
      return a < b
    end
    return type(a) < type(b)
  end)
  return keys
end

--- Validate the options table of a constructor (hpo.<kind>): every key known, every value
--- of its type ('integer', a Lua type name, or true for any). Returns opts or {}.
function M.check_options(where, kind, opts, allowed)
  if opts == nil then
    return {}
  end
  if type(opts) ~= 'table' then
    M.fail(where, 'hpo.%s: options must be a table, got %s', kind, type(opts))
  end
  for k, v in pairs(opts) do
    local want = allowed[k]
    if not want then
      M.fail(where, "hpo.%s: unknown option '%s'%s", kind, tostring(k),
        M.suggest(tostring(k), M.sorted_keys(allowed)))
    end
    local ok = want == true or (want == 'integer' and math.type(v) == 'integer')
      or type(v) == want
    if not ok then
      M.fail(where, "hpo.%s: option '%s' must be %s %s, got %s", kind, k,
        want == 'integer' and 'an' or 'a', want == true and 'value' or want, M.show(v))
    end
  end
  return opts
end

--- Structural equality of plain values and tables (5 == 5.0, as JSON round trips give).
function M.deep_equal(a, b)
  if type(a) ~= 'table' or type(b) ~= 'table' then
    return a == b
  end
  for k, v in pairs(a) do
    if not M.deep_equal(v, b[k]) then
      return false
    end
  end
  for k in pairs(b) do
    if a[k] == nil then
      return false
    end
  end
  return true
end

--- Levenshtein distance, for 'did you mean' hints.
local function distance(a, b)
  local prev = {}
  for j = 0, #b do
    prev[j] = j
  end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

--- ' (did you mean 'x'?)' when a known name is close to name, else ''.
function M.suggest(name, known)
  local best, bestd
  for _, k in ipairs(known) do
    local d = distance(name, k)
    if not bestd or d < bestd then
      best, bestd = k, d
    end
  end
  if best and bestd <= math.max(2, #name // 3) then
    return (" (did you mean '%s'?)"):format(best)
  end
  return ''
end

--- A short readable rendering of a scalar for messages and tables.
function M.show(v)
  if type(v) == 'string' then
    return ('%q'):format(v)
  elseif math.type(v) == 'float' then
    return ('%.6g'):format(v)
  end
  return tostring(v)
end

--- ISO 8601 UTC time with milliseconds, for exports.
function M.iso_time(t)
  if not t then
    return nil
  end
  local ms = math.floor((t % 1) * 1000)
  return os.date('!%Y-%m-%dT%H:%M:%S', math.floor(t)) .. ('.%03dZ'):format(ms)
end

--- The encoded points of a study's running trials, oldest first (samplers treat them as
--- pending: constant liar, fantasies).
function M.running_points(study)
  local list, points = {}, {}
  for _, r in pairs(study.running or {}) do
    list[#list + 1] = r
  end
  table.sort(list, function(a, b)
    return a.number < b.number
  end)
  for i, r in ipairs(list) do
    points[i] = study.space:encode(r.params)
  end
  return points
end

-- A seed when the user gives none: different each run, saved in the sampler state so a
-- resumed study continues the same sequence.
function M.fresh_seed()
  local f = io.open('/dev/urandom', 'rb')
  if f then
    local b = f:read(7)
    f:close()
    if b and #b == 7 then
      return (string.unpack('<I7', b))
    end
  end
  return math.floor(require('hpo.core').now() * 1e6) ~ require('hpo.core').getpid()
end

--- A sampler's options for its engine: a copy of opts with the seed set.
function M.with_seed(opts, seed)
  local o = {}
  for k, v in pairs(opts) do
    o[k] = v
  end
  o.seed = seed
  return o
end

--- Exact text of the first n numbers of a list (hexadecimal floats; 'nan' for a missing
--- value): sampler states, and keys that tell configurations apart.
function M.pack_numbers(list, n)
  local parts = {}
  for i = 1, n do
    local v = list[i]
    parts[i] = v == nil and 'nan' or ('%a'):format(v)
  end
  return table.concat(parts, ',')
end

--- The position of v in the list t, or nil.
function M.index_of(t, v)
  for i, x in ipairs(t) do
    if x == v then
      return i
    end
  end
  return nil
end

return M
