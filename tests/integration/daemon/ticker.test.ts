import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { ServiceKey, ServiceRegistry } from '../../../src/daemon/services';
import { orderSteps, Ticker, type TickStep } from '../../../src/daemon/tick';

describe('Ticker', () => {
  it('runs exactly one more tick when any number of requests arrive during a tick', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const step: TickStep = { name: 's', run: () => { runs += 1; return runs === 1 ? new Promise<void>((r) => { release = r; }) : Promise.resolve(); } };
    const ticker = new Ticker([step], new ManualClock(0), nullLogger);
    const first = ticker.request('a');
    void ticker.request('b');
    void ticker.request('c');
    while (runs === 0) await Promise.resolve(); // the first step starts on the next microtask
    void ticker.request('d');
    release();
    await first;
    await ticker.idle();
    expect(runs).toBe(2);
    expect(ticker.ticks).toBe(2);
  });

  it('queues, never overlaps, a tick requested by a step before its first await (a submission in the first step)', async () => {
    const box: { ticker?: Ticker } = {};
    let inside = 0;
    let most = 0;
    let runs = 0;
    const step: TickStep = {
      name: 'submit',
      run: async () => {
        inside += 1;
        most = Math.max(most, inside);
        runs += 1;
        if (runs === 1) void box.ticker!.request('a job was submitted'); // synchronously, before any await
        await Promise.resolve();
        inside -= 1;
      },
    };
    const ticker = (box.ticker = new Ticker([step], new ManualClock(0), nullLogger));
    await ticker.request('cron');
    await ticker.idle();
    expect(most).toBe(1);
    expect(runs).toBe(2);
  });

  it('orders steps by phase and keeps registration order within a phase', () => {
    const s = (name: string, phase?: TickStep['phase']): TickStep => ({ name, phase, run: async () => undefined });
    expect(orderSteps([s('h1'), s('m', 'meter'), s('p1', 'plan'), s('sig', 'signal'), s('p2', 'plan'), s('f', 'forecast'), s('a', 'apply')]).map((x) => x.name))
      .toEqual(['sig', 'f', 'p1', 'p2', 'a', 'm', 'h1']);
  });
});

describe('ServiceRegistry', () => {
  it('hands a provided service to later callers and names a missing or doubled one', () => {
    const registry = new ServiceRegistry();
    const KEY = new ServiceKey<{ n: number }>('counter');
    expect(registry.find(KEY)).toBeUndefined();
    expect(() => registry.get(KEY)).toThrow('service counter is not provided');
    registry.provide(KEY, { n: 3 });
    expect(registry.get(KEY).n).toBe(3);
    expect(() => registry.provide(KEY, { n: 4 })).toThrow('service counter is already provided');
  });
});
