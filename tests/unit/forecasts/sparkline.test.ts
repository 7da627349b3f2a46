import { sparkline } from '../../../src/cli/commands/forecast';

describe('forecast sparkline', () => {
  it.each([
    [[100, 200, 300], '▁▅█'],
    [[5, 5, 5], '▄▄▄'],
    [[300, 100], '█▁'],
  ])('draws %j as %s', (values, expected) => {
    expect(sparkline(values)).toBe(expected);
  });
});
