#!/usr/bin/env node
/**
 * Builds native/carbond_native.node (ADR 0012) with the system C compiler against the
 * Node-API headers of the running node: no node-gyp, no download. Skips when the addon is
 * newer than its source. Run by `npm run build` (and so by `npm test` and `npm run demo`).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'native', 'carbond_native.c');
const out = path.join(root, 'native', 'build', 'carbond_native.node');

function includeDir() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!found) {
    console.error(`carbond: cannot build the native addon: node_api.h not found (looked in ${candidates.join(', ')}); install the Node.js headers (Debian: nodejs-dev / libnode-dev) or set npm_config_nodedir`);
    process.exit(1);
  }
  return found;
}

if (process.platform !== 'linux') {
  console.error('carbond: the native addon is Linux-only (SO_PEERCRED, openat); skipping');
  process.exit(0);
}
if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs && !process.argv.includes('--force')) process.exit(0);
fs.mkdirSync(path.dirname(out), { recursive: true });
const cc = process.env.CC || 'cc';
const tmp = `${out}.${process.pid}.tmp`;
try {
  execFileSync(cc, ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter', '-fPIC', '-shared',
    `-I${includeDir()}`, '-DNAPI_VERSION=8', src, '-o', tmp], { stdio: 'inherit' });
  fs.renameSync(tmp, out);
} catch (err) {
  fs.rmSync(tmp, { force: true });
  console.error(`carbond: building the native addon with ${cc} failed: ${err.message}`);
  process.exit(1);
}
