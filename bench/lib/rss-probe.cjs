// Preloaded (node --require) into a measured process when GNU time is not installed: records
// the process's own peak RSS when it exits. CommonJS so it loads before any ESM entry point.
'use strict';
const { writeFileSync } = require('node:fs');

const file = process.env.CERTOPS_BENCH_RSS_FILE;
if (file) {
  // Children of the measured process must not overwrite the figure.
  delete process.env.CERTOPS_BENCH_RSS_FILE;
  // ru_maxrss is in kilobytes on Linux, the unit GNU time's %M uses too.
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
}
