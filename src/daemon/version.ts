/**
 * carbond's version, read once from the package.json that ships with the code
 * (found by walking up from this file, so it works from `src/` under ts-jest and from `dist/`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The `version` of carbond's package.json, e.g. `0.1.0`; `0.0.0-unknown` if none is found. */
export function carbondVersion(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'carbond' && pkg.version) return (cached = pkg.version);
    }
    dir = path.dirname(dir);
  }
  return (cached = '0.0.0-unknown');
}
