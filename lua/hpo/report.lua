--- `hpolua report`: one self-contained HTML file with interactive charts of a stored study
--- (Vega-Lite, inlined: the file opens offline). M.data gathers what the charts show (plain
--- tables, tested on their own); M.html writes the page.
local util = require('hpo._util')

local M = {}

-- The objective's sign and name for a stored study (the first objective of several).
local function objective_of(study)
  if study.objectives then
    return study.objectives[1].name, study.objectives[1].direction
  end
  return study.config.metric or 'value', study.direction
end

-- A parameter's value as the charts take it: numbers stay numbers, other choices are text.
local function shown(v)
  if type(v) == 'number' then
    return v
  end
  return v == nil and nil or tostring(v)
end

-- A chart row of trial t: its fields plus its parameters as p_<name>, for the tooltips.
local function with_params(row, t, names)
  for _, p in ipairs(names) do
    row['p_' .. p] = shown(t.params[p])
  end
  return row
end

--- The data of the report: history (every trial, the best so far), params (long form for
--- parallel coordinates, positions in [0, 1]), slices, curves (intermediate values),
--- importance, contour (the two most important numeric parameters, binned), trials (the
--- table), and for several objectives front and hypervolume.
--- study: a stored study (cli's open_stored: space, config, objectives, direction);
--- trials: its trials (params decoded, values, violation); curves: number -> {{step, v}}.
function M.data(study, space, trials, curves)
  local name, direction = objective_of(study)
  local sign = direction == 'maximize' and -1 or 1
  local d = { study = study.name, objective = name, direction = direction, history = {},
    params = {}, slices = {}, curves = {}, importance = {}, trials = {}, names = space.names,
    log = {} }
  for _, p in ipairs(space.names) do
    d.log[p] = space.params[p].log or false
  end
  local best
  for _, t in ipairs(trials) do
    local v = t.values and t.values[1] or t.value
    if t.state == 'PRUNED' then
      local c = curves[t.number]
      v = c and #c > 0 and c[#c][2] or v
    end
    if t.state == 'COMPLETE' and type(v) == 'number' and (not best or sign * v < sign * best) then
      best = v
    end
    d.history[#d.history + 1] = with_params({ number = t.number, state = t.state, value = v,
      best = best }, t, space.names)
    local row = with_params({ number = t.number, state = t.state, value = v,
      reason = t.reason }, t, space.names)
    if t.values then
      for i, obj in ipairs(study.objectives) do
        row['o_' .. obj.name] = t.values[i]
      end
    end
    d.trials[#d.trials + 1] = row
    if t.state == 'COMPLETE' and type(v) == 'number' then
      local x = space:encode(t.params)
      for i, p in ipairs(space.names) do
        local pv = t.params[p]
        if pv ~= nil then
          local def = space.params[p]
          local pos = def.kind == 'choice' and (#def.values > 1 and x[i] / (#def.values - 1) or 0.5)
            or x[i]
          d.params[#d.params + 1] = { number = t.number, param = p, pos = pos,
            shown = tostring(pv), value = v }
          d.slices[#d.slices + 1] = with_params({ number = t.number, param = p, x = shown(pv),
            value = v }, t, space.names)
        end
      end
    end
    for _, c in ipairs(curves[t.number] or {}) do
      d.curves[#d.curves + 1] = { number = t.number, step = c[1], value = c[2], state = t.state }
    end
  end
  local imp = require('hpo.importance').compute(space, trials)
  for _, e in ipairs(imp) do
    d.importance[#d.importance + 1] = { param = e.name, importance = e.importance }
  end
  -- Contour: the two most important numeric parameters, mean objective over a 12 x 12 grid.
  local pair = {}
  for _, e in ipairs(imp) do
    local k = space.params[e.name].kind
    if #pair < 2 and k ~= 'choice' then
      pair[#pair + 1] = e.name
    end
  end
  if #pair == 2 then
    d.contour = { x = pair[1], y = pair[2], cells = {} }
    local cells = {}
    for _, t in ipairs(trials) do
      local v = t.values and t.values[1] or t.value
      if t.state == 'COMPLETE' and type(v) == 'number' and t.params[pair[1]] ~= nil
        and t.params[pair[2]] ~= nil then
        local x = space:encode(t.params)
        local i = math.min(11, math.floor(x[util.index_of(space.names, pair[1])] * 12))
        local j = math.min(11, math.floor(x[util.index_of(space.names, pair[2])] * 12))
        local key = i * 12 + j
        local c = cells[key] or { i = i, j = j, sum = 0, n = 0 }
        c.sum, c.n = c.sum + v, c.n + 1
        cells[key] = c
      end
    end
    for _, c in pairs(cells) do
      d.contour.cells[#d.contour.cells + 1] = { x = (c.i + 0.5) / 12, y = (c.j + 0.5) / 12,
        value = c.sum / c.n, n = c.n }
    end
    table.sort(d.contour.cells, function(a, b)
      return a.x < b.x or (a.x == b.x and a.y < b.y)
    end)
  end
  if study.objectives then
    M.front(d, study, trials, space.names)
  end
  return d
end

-- Several objectives: every complete trial with the Pareto flag, and the hypervolume of the
-- front after each complete trial (against the final front's nadir plus 10%).
function M.front(d, study, trials, names)
  local runner = require('hpo.runner')
  local core = require('hpo.core')
  local on = {}
  for _, t in ipairs(runner.pareto(study, trials)) do
    on[t.number] = true
  end
  local m, sign = #study.objectives, {}
  for i, obj in ipairs(study.objectives) do
    sign[i] = obj.direction == 'maximize' and -1 or 1
  end
  d.front, d.hypervolume, d.metrics = {}, {}, {}
  for i, obj in ipairs(study.objectives) do
    d.metrics[i] = obj.name
  end
  local pts, ref = {}, {}
  for _, t in ipairs(trials) do
    if t.state == 'COMPLETE' and t.values and (t.violation or 0) == 0 then
      local row = with_params({ number = t.number, pareto = on[t.number] or false }, t, names)
      local p = {}
      for i = 1, m do
        row['f' .. i] = t.values[i]
        p[i] = sign[i] * t.values[i]
        if on[t.number] then
          ref[i] = math.max(ref[i] or -math.huge, p[i])
        end
      end
      d.front[#d.front + 1] = row
      pts[#pts + 1] = p
    end
  end
  if #pts == 0 then
    return
  end
  local lo = {}
  for _, p in ipairs(pts) do
    for i = 1, m do
      lo[i] = math.min(lo[i] or math.huge, p[i])
    end
  end
  for i = 1, m do
    ref[i] = ref[i] + 0.1 * math.max(ref[i] - lo[i], 1e-12)
  end
  -- At most 200 points of history: each is one exact hypervolume of a prefix.
  local stride = math.max(1, #pts // 200)
  for k = stride, #pts, stride do
    local prefix = table.move(pts, 1, k, 1, {})
    d.hypervolume[#d.hypervolume + 1] = { trials = k, hypervolume = core.hypervolume(prefix,
      ref) }
  end
  d.reference = ref
end

-- ---- the page ----

local function vl(spec)
  spec['$schema'] = 'https://vega.github.io/schema/vega-lite/v6.json'
  return spec
end

-- Tooltips: the trial, what the chart shows of it, and its parameters.
local function tip(d, fields)
  local t = { { field = 'number', title = 'trial' } }
  for _, f in ipairs(fields) do
    t[#t + 1] = f
  end
  for _, p in ipairs(d.names) do
    t[#t + 1] = { field = 'p_' .. p, title = p }
  end
  return t
end
local GRID = { maxbins = 12, extent = { 0, 1 } }  -- the contour's 12 x 12 cells

-- The Vega-Lite specs, as Lua tables (encoded to JSON into the page); each names its data.
function M.specs(d)
  local specs = {}
  local function add(id, title, spec)
    spec.title = title
    specs[#specs + 1] = { id = id, spec = vl(spec) }
  end
  add('history', 'Optimisation history', {
    width = 640, height = 260, data = { name = 'history' },
    layer = {
      { mark = { type = 'point', filled = true, tooltip = true },
        encoding = { x = { field = 'number', type = 'quantitative', title = 'trial' },
          y = { field = 'value', type = 'quantitative', title = d.objective },
          color = { field = 'state', type = 'nominal',
            scale = { domain = { 'COMPLETE', 'PRUNED', 'FAILED' } } },
          tooltip = tip(d, { { field = 'state' }, { field = 'value' } }) } },
      { mark = { type = 'line', interpolate = 'step-after', color = '#d62728' },
        encoding = { x = { field = 'number', type = 'quantitative' },
          y = { field = 'best', type = 'quantitative' } } },
    },
  })
  add('parallel', 'Parallel coordinates (colour: ' .. d.objective .. ')', {
    width = math.max(320, 110 * #d.names), height = 260, data = { name = 'params' },
    mark = { type = 'line', opacity = 0.5, tooltip = true },
    encoding = { x = { field = 'param', type = 'nominal', title = nil, sort = d.names },
      y = { field = 'pos', type = 'quantitative', title = 'position in the range',
        scale = { domain = { 0, 1 } } },
      detail = { field = 'number', type = 'nominal' },
      color = { field = 'value', type = 'quantitative', scale = { scheme = 'viridis' } },
      tooltip = { { field = 'number', title = 'trial' }, { field = 'param' },
        { field = 'shown', title = 'value of the parameter' }, { field = 'value' } } },
  })
  local slices = {}
  for _, p in ipairs(d.names) do
    local numeric = true
    for _, s in ipairs(d.slices) do
      if s.param == p and type(s.x) ~= 'number' then
        numeric = false
      end
    end
    slices[#slices + 1] = { width = 200, height = 160, title = p,
      transform = { { filter = { field = 'param', equal = p } } },
      mark = { type = 'point', filled = true, tooltip = true },
      encoding = { x = { field = 'x', type = numeric and 'quantitative' or 'nominal', title = p,
        scale = numeric and (d.log[p] and { type = 'log' } or { zero = false }) or nil },
        y = { field = 'value', type = 'quantitative', title = d.objective },
        color = { field = 'number', type = 'quantitative', title = 'trial' },
        tooltip = tip(d, { { field = 'value' } }) } }
  end
  add('slices', 'Slice plots', { data = { name = 'slices' }, columns = 3, concat = slices })
  if d.contour then
    add('contour', ('Contour (binned mean): %s and %s'):format(d.contour.x, d.contour.y), {
      width = 320, height = 320, data = { name = 'contour' },
      mark = { type = 'rect', tooltip = true },
      encoding = { x = { field = 'x', type = 'quantitative', bin = GRID,
          title = d.contour.x .. ' (position in its range)' },
        y = { field = 'y', type = 'quantitative', bin = GRID,
          title = d.contour.y .. ' (position in its range)' },
        color = { field = 'value', type = 'quantitative', aggregate = 'mean',
          scale = { scheme = 'viridis' }, title = d.objective } },
    })
  end
  if #d.curves > 0 then
    add('curves', 'Intermediate values', {
      width = 640, height = 260, data = { name = 'curves' },
      mark = { type = 'line', point = true, opacity = 0.6, tooltip = true },
      encoding = { x = { field = 'step', type = 'quantitative' },
        y = { field = 'value', type = 'quantitative', title = d.objective },
        detail = { field = 'number', type = 'nominal' },
        color = { field = 'state', type = 'nominal' },
        tooltip = { { field = 'number', title = 'trial' }, { field = 'step' },
          { field = 'value' }, { field = 'state' } } },
    })
  end
  if #d.importance > 0 then
    add('importance', 'Parameter importance (fANOVA)', {
      width = 400, height = { step = 22 }, data = { name = 'importance' },
      mark = { type = 'bar', tooltip = true },
      encoding = { y = { field = 'param', type = 'nominal', sort = '-x', title = nil },
        x = { field = 'importance', type = 'quantitative' } },
    })
  end
  if d.front then
    -- Two objectives: one scatter; three or more: every pair of objectives.
    local values, pairs_ = {}, {}
    for i, name in ipairs(d.metrics) do
      values[i] = { field = 'f' .. i, title = name }
      for j = i + 1, #d.metrics do
        pairs_[#pairs_ + 1] = { i, j }
      end
    end
    local scatters = {}
    for k, ij in ipairs(pairs_) do
      local i, j = ij[1], ij[2]
      scatters[k] = { width = #pairs_ > 1 and 260 or 400, height = #pairs_ > 1 and 220 or 320,
        mark = { type = 'point', filled = true, tooltip = true },
        encoding = { x = { field = 'f' .. i, type = 'quantitative', title = d.metrics[i],
            scale = { zero = false } },
          y = { field = 'f' .. j, type = 'quantitative', title = d.metrics[j],
            scale = { zero = false } },
          color = { field = 'pareto', type = 'nominal', title = 'Pareto-optimal' },
          tooltip = tip(d, values) } }
    end
    local front = #scatters == 1 and scatters[1] or { columns = 3, concat = scatters }
    front.data = { name = 'front' }
    add('front', 'Pareto front', front)
    add('hypervolume', 'Hypervolume of the front', { width = 400, height = 200,
      data = { name = 'hypervolume' }, mark = { type = 'line', point = true },
      encoding = { x = { field = 'trials', type = 'quantitative', title = 'complete trials' },
        y = { field = 'hypervolume', type = 'quantitative', scale = { zero = false } } } })
  end
  return specs
end

-- The page's own script: embed every chart with its data, a sortable trials table, and a
-- data-rendered attribute on <body> ('ok' or the error) for headless checks.
local PAGE_SCRIPT = [[
(function () {
  var D = JSON.parse(document.getElementById('hpo-data').textContent);
  var S = JSON.parse(document.getElementById('hpo-specs').textContent);
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  var jobs = S.map(function (c) {
    var spec = c.spec, name = spec.data && spec.data.name;
    spec.datasets = {}; spec.datasets[name] = name === 'contour' ? D.contour.cells : D[name];
    spec.data = { name: name };
    return vegaEmbed('#' + c.id, spec, { actions: false, renderer: 'svg' });
  });
  var rows = D.trials, cols = Object.keys(rows.reduce(function (a, r) {
    Object.keys(r).forEach(function (k) { a[k] = true; }); return a; }, {}));
  var order = ['number', 'state', 'value'];
  cols = order.concat(cols.filter(function (k) { return order.indexOf(k) < 0; }));
  var table = document.getElementById('trials'), dir = 1, by = 'number';
  function label(k) { return k.replace(/^p_/, '').replace(/^o_/, ''); }
  function draw() {
    rows.sort(function (a, b) {
      var x = a[by], y = b[by];
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    var h = '<tr>' + cols.map(function (k) {
      var mark = k === by ? (dir > 0 ? ' ▲' : ' ▼') : '';
      return '<th data-k="' + k + '">' + label(k) + mark + '</th>';
    }).join('') + '</tr>';
    rows.forEach(function (r) {
      h += '<tr>' + cols.map(function (k) {
        var v = r[k]; return '<td>' + (v === undefined || v === null ? '' :
          String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')) + '</td>'; }).join('') + '</tr>';
    });
    table.innerHTML = h;
  }
  table.addEventListener('click', function (e) {
    var k = e.target.getAttribute && e.target.getAttribute('data-k');
    if (!k) return;
    dir = k === by ? -dir : 1; by = k; draw();
  });
  draw();
  Promise.all(jobs).then(function () {
    document.body.setAttribute('data-rendered', errors.length ? 'error: ' + errors.join('; ') :
      'ok ' + jobs.length);
  }, function (e) { document.body.setAttribute('data-rendered', 'error: ' + e); });
})();
]]

-- JSON for a <script type="application/json"> block: no "</" can end it early.
local function script_json(v)
  return (util.json_encode(v):gsub('</', '<\\/'))
end

--- The page: the libraries' sources (vega, vega-lite, vega-embed) inlined.
function M.html(d, libs)
  local specs = M.specs(d)
  local divs = {}
  for _, c in ipairs(specs) do
    divs[#divs + 1] = ('<section><div id="%s"></div></section>'):format(c.id)
  end
  local summary = ('%d trials; objective %s (%s)'):format(#d.trials, d.objective, d.direction)
  return table.concat({
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
    ('<title>hpolua report: %s</title>'):format(d.study),
    '<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}',
    'section{margin:18px 0}table{border-collapse:collapse;font-size:13px}',
    'th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}th{cursor:pointer;',
    'background:#f3f3f3}</style>',
    '<script>', libs.vega, '</script>', '<script>', libs['vega-lite'], '</script>',
    '<script>', libs['vega-embed'], '</script>',
    '</head><body>',
    ('<h1>Study %s</h1><p>%s</p>'):format(d.study, summary),
    table.concat(divs, '\n'),
    '<h2>Trials</h2><p>Click a column to sort.</p><table id="trials"></table>',
    '<script type="application/json" id="hpo-data">', script_json(d), '</script>',
    '<script type="application/json" id="hpo-specs">', script_json(specs), '</script>',
    '<script>', PAGE_SCRIPT, '</script>',
    '</body></html>\n',
  })
end

--- Where the charting library is: HPO_VEGA_DIR, else third_party/vega next to the build
--- directory of the hpolua binary (scripts/bootstrap fetches it there), else the installed
--- share/hpolua/vega. Returns the three sources, or nil and why.
function M.libraries(exe)
  local dirs = {}
  if os.getenv('HPO_VEGA_DIR') then
    dirs[#dirs + 1] = os.getenv('HPO_VEGA_DIR')
  end
  local bin = exe and exe:match('^(.*)/[^/]*$')
  if bin then
    dirs[#dirs + 1] = bin .. '/../third_party/vega'
    dirs[#dirs + 1] = bin .. '/../share/hpolua/vega'
  end
  for _, dir in ipairs(dirs) do
    local libs, ok = {}, true
    for _, name in ipairs({ 'vega', 'vega-lite', 'vega-embed' }) do
      local f = io.open(('%s/%s.min.js'):format(dir, name), 'rb')
      if not f then
        ok = false
        break
      end
      libs[name] = f:read('a')
      f:close()
    end
    if ok then
      return libs
    end
  end
  return nil, 'the charting library (Vega) was not found: run scripts/bootstrap, which fetches '
    .. 'it into third_party/vega, or set HPO_VEGA_DIR to a directory with vega.min.js, '
    .. 'vega-lite.min.js and vega-embed.min.js'
end

return M
