import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderUnit, SAMPLE_UNIT_VALUES, unitWord } from '../../../src/install/unit';

const SAMPLE = path.join(__dirname, '../../../packaging/carbond.service');

describe('the systemd unit template', () => {
  it('packaging/carbond.service is the template rendered for the sample layout (regenerate with CARBOND_WRITE_SAMPLE=1)', () => {
    const text = renderUnit(SAMPLE_UNIT_VALUES);
    if (process.env['CARBOND_WRITE_SAMPLE'] === '1') fs.writeFileSync(SAMPLE, text);
    expect(fs.readFileSync(SAMPLE, 'utf8')).toBe(text);
  });

  it('starts the given node and CLI, and has no hard-coded /opt or /usr/bin/env', () => {
    const text = renderUnit({ mode: 'system', nodePath: '/n/node', cliPath: '/p/bin/carbond', packageDir: '/p' });
    expect(text).toContain('\nExecStart=/n/node /p/bin/carbond daemon\n');
    expect(text).not.toMatch(/\/opt\/|\/usr\/bin\/env/);
    expect(text).toContain('StateDirectoryMode=0711');
    expect(text).toContain('WantedBy=multi-user.target');
  });

  it('a user unit wants default.target and keeps its dirs 0700', () => {
    const text = renderUnit({ mode: 'user', nodePath: '/n/node', cliPath: '/p/bin/carbond', packageDir: '/p' });
    expect(text).toContain('WantedBy=default.target');
    expect(text).toContain('StateDirectoryMode=0700');
    expect(text).not.toContain('ProtectSystem');
  });

  it.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/home/a b/node', '"/home/a b/node"'],
    ['/x/100%/node', '"/x/100%%/node"'],
    ['/x/$HOME', '"/x/$$HOME"'],
    ['/x/"q"', '"/x/\\"q\\""'],
  ])('quotes %s as %s for ExecStart', (word, quoted) => {
    expect(unitWord(word)).toBe(quoted);
  });

  it('refuses a path with a newline', () => {
    expect(() => unitWord('/a\nb')).toThrow(/control character/);
  });
});
