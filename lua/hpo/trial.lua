--- For trial programs written in Lua (run = {'lua5.4', 'train.lua', ...}): the trial's
--- parameters and one-line reporting on the report pipe (DESIGN.md section 5).
---
---   local trial = require('hpo.trial')
---   local lr = trial.params.lr
---   for epoch = 1, 10 do trial.report({ epoch = epoch, val_loss = train_one_epoch(lr) }) end
---
--- Outside hpolua (no HPO_REPORT_FD) reports go nowhere and params is empty, so the same
--- program also runs by hand.
local cjson = require('cjson')

local M = {}

local json = cjson.new()
json.encode_sparse_array(true)

local function env_number(name)
  return tonumber(os.getenv(name) or '')
end

M.number = math.tointeger(env_number('HPO_TRIAL'))
M.dir = os.getenv('HPO_TRIAL_DIR')
-- HPO_CHECKPOINT_DIR is not created until a trial saves a checkpoint (mkdir -p it first).
M.checkpoint_dir = os.getenv('HPO_CHECKPOINT_DIR')
M.params = {}
do
  local text = os.getenv('HPO_PARAMS')
  if text then
    local ok, params = pcall(json.decode, text)
    if ok and type(params) == 'table' then
      M.params = params
    end
  end
end

local pipe
local function output()
  if pipe == nil then
    local fd = math.tointeger(env_number('HPO_REPORT_FD'))
    pipe = fd and io.open('/dev/fd/' .. fd, 'w') or false
    if pipe then
      pipe:setvbuf('line')
    end
  end
  return pipe
end

--- Report metrics (a table such as {epoch = 3, val_loss = 0.41}) as one JSON line.
---@param metrics table
function M.report(metrics)
  if type(metrics) ~= 'table' then
    error(('trial.report: metrics must be a table, got %s'):format(type(metrics)), 2)
  end
  local out = output()
  if out then
    out:write(json.encode(metrics), '\n')
  end
end

--- Report the final metrics: their objective metric is the trial's value.
---@param metrics table
function M.final(metrics)
  local copy = { final = true }
  for k, v in pairs(metrics) do
    copy[k] = v
  end
  M.report(copy)
end

return M
