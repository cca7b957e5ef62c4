-- `hpolua report` end to end: a self-contained HTML file whose charts render in headless
-- Chromium (Debian's chromium, installed by scripts/bootstrap) without a JavaScript error;
-- a screenshot is saved next to the report.
local h = require('helpers')

local function chromium(args)
  local p = io.popen('chromium --headless --no-sandbox --disable-gpu --hide-scrollbars '
    .. '--virtual-time-budget=15000 ' .. args .. ' 2>/dev/null')
  local out = p:read('a')
  p:close()
  return out
end

local function check_report(example, db, charts)
  local dir = h.tmpdir()
  h.write(dir .. '/' .. example, h.read(h.source .. '/examples/' .. example))
  local r = h.run(dir, { example, '--quiet' })
  assert.are.equal(0, r.code, r.err)
  r = h.run(dir, { 'report', db, '-o', 'report.html' })
  assert.are.equal(0, r.code, r.err)
  assert.matches('written to report.html', r.out)
  local html = h.read(dir .. '/report.html')
  -- Self-contained: no script or stylesheet from elsewhere.
  assert.is_nil(html:find('<script[^>]+src='))
  assert.is_nil(html:find('<link[^>]+href='))
  local dom = chromium('--dump-dom file://' .. dir .. '/report.html')
  assert.are.equal('ok ' .. charts, dom:match('data%-rendered="([^"]*)"'))
  assert.is_true(select(2, dom:gsub('<svg', '')) >= charts)
  chromium('--window-size=1280,2400 --screenshot=' .. dir .. '/report.png file://' .. dir
    .. '/report.html')
  local png = h.read(dir .. '/report.png')
  assert.is_true(png and #png > 20000 and png:sub(2, 4) == 'PNG', 'no screenshot')
  h.rmdir(dir)
end

describe('hpolua report', function()
  it('renders every chart of a study with conditional parameters', function()
    -- history, parallel coordinates, slices, contour, intermediate values, importance
    check_report('quickstart.lua', 'quickstart.db', 6)
  end)

  it('renders the Pareto front and its hypervolume for several objectives', function()
    -- history, parallel coordinates, slices, contour, importance, front, hypervolume
    check_report('multi_objective.lua', 'multi_objective.db', 7)
  end)

  it('says what is wrong with a missing study file', function()
    local r = h.run(h.tmpdir(), { 'report', 'nope.db' })
    assert.are.equal(2, r.code)
    assert.matches('no such study file: nope.db', r.err)
  end)
end)
