import { parseFastStatus } from '../../../src/cli/fast-path';

describe('parseFastStatus', () => {
  it.each([
    [['status'], { json: false }],
    [['status', '--json'], { json: true }],
    [['status', '--state-dir', '/s', '--json'], { json: true, stateDir: '/s' }],
    [['status', '--state-dir=/s', '--config=/c.toml', '--socket', '/x.sock'], { json: false, stateDir: '/s', config: '/c.toml', socket: '/x.sock' }],
  ])('parses %j without yargs', (argv, expected) => {
    expect(parseFastStatus(argv)).toEqual(expected);
  });

  it.each([
    [['daemon']],
    [['status', '--help']],
    [['status', '--bogus']],
    [['status', 'extra']],
    [['status', '--state-dir']],
    [['status', '--state-dir', '--json']],
    [['status', '--state-dir', 'a', '--state-dir', 'b']],
  ])('leaves %j to yargs (usage errors stay yargs\'s)', (argv) => {
    expect(parseFastStatus(argv)).toBeUndefined();
  });
});
