std = 'lua54'
max_line_length = 100
files['tests/**/*_spec.lua'] = { std = '+busted' }
-- Study files run in hpolua's environment, where hpo is a global.
files['examples/**/*.lua'] = { read_globals = { 'hpo' } }
files['tests/functional/studies/*.lua'] = { read_globals = { 'hpo' }, ignore = { '111', '113', '211' } }
files['bench/pool.lua'] = { read_globals = { 'hpo' } }
