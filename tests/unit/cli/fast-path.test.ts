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

describe('parseFastDaemon', () => {
  const { parseFastDaemon } = jest.requireActual<typeof import('../../../src/cli/fast-path')>('../../../src/cli/fast-path');
  it.each([
    [['daemon'], { json: false }],
    [['daemon', '--state-dir', '/s', '--log-level', 'debug'], { json: false, stateDir: '/s', logLevel: 'debug' }],
    [['daemon', '--log-level=warn', '--config=/c.toml'], { json: false, config: '/c.toml', logLevel: 'warn' }],
  ])('parses the plain daemon call %j without yargs', (argv, expected) => expect(parseFastDaemon(argv)).toEqual(expected));

  it.each([
    [['daemon', '--log-level', 'loud']],
    [['daemon', '--log-level']],
    [['daemon', '--json']],
    [['daemon', '--time-scale', '600']],
    [['daemon', '--help']],
    [['status']],
  ])('leaves %j to yargs, which reports usage errors', (argv) => expect(parseFastDaemon(argv)).toBeUndefined());
});
