/**
 * Prometheus metrics as the daemon serves them (DESIGN §7): `[metrics] listen` opens a
 * port with `GET /metrics` in the text exposition format; the figures are the status
 * report's and the zone's intensity now from the signal the planner reads.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { callDaemon } from '../../../src/cli/daemon-client';
import type { DaemonHandle } from '../../../src/daemon/daemon';
import { metricsExtension } from '../../../src/daemon/metrics/extension';
import { specFromInput } from '../../../src/jobs/submit-args';
import { sampleDaemonPerTest, T0_SAMPLE as T0 } from '../../helpers/sample-daemon';

function get(port: number, urlPath: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

describe('Prometheus metrics on metrics.listen', () => {
  const daemon = sampleDaemonPerTest();
  const start = (listen: string | undefined): Promise<DaemonHandle> => daemon.start({ extra: listen === undefined ? [] : ['[metrics]', `listen = ${JSON.stringify(listen)}`] });

  it('serves the status figures and the zone\'s intensity now, and only at GET /metrics', async () => {
    const h = await start('127.0.0.1:0');
    const port = metricsExtension.addressOf(h.ctx)!.port;
    const before = await get(port, '/metrics');
    expect(before.status).toBe(200);
    expect(before.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(before.body).toContain('# TYPE carbond_up gauge\ncarbond_up 1\n');
    expect(before.body).toContain(`carbond_build_info{version="${h.ctx.version}"} 1\n`);
    expect(before.body).toContain(`carbond_start_time_seconds ${h.ctx.startedAtMs / 1000}\n`);
    expect(before.body).toContain('carbond_jobs{state="queued"} 0\n');
    expect(before.body).toContain('carbond_zone_signal_stale{zone="SAMPLE"} 0\n');
    const zone = /^carbond_zone_intensity_grams_per_kwh\{zone="SAMPLE",kind="(\w+)",provider="sample"\} ([\d.]+)$/m.exec(before.body);
    expect(zone).not.toBeNull();
    expect(['measured', 'forecast']).toContain(zone![1]);
    expect(Number(zone![2])).toBeGreaterThan(50); // 06:00 of the sample trace: the clean morning (74–76 g)
    expect(Number(zone![2])).toBeLessThan(100);

    const spec = specFromInput({ name: 'w', deadline: '2030-01-08T16:00:00Z', estimate: '3h', powerW: 200, command: ['/bin/sleep', '600'] }, { nowMs: T0, localZone: 'UTC', cwd: daemon.dir(), env: {} });
    await callDaemon(h.ctx.config.socketPath, { method: 'POST', path: '/v1/jobs', body: spec });
    const after = await get(port, '/metrics');
    const open = [...after.body.matchAll(/^carbond_jobs\{state="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(open.reduce((n, [, v]) => n + v, 0)).toBe(1);
    expect(open.map(([s]) => s)).toEqual(expect.arrayContaining(['queued', 'running', 'pausing', 'paused', 'suspended']));

    expect((await get(port, '/')).status).toBe(404);
    await h.stop('test end');
    await expect(get(port, '/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves nothing without metrics.listen', async () => {
    const h = await start(undefined);
    expect(metricsExtension.addressOf(h.ctx)).toBeUndefined();
  });

  it('refuses to start when the port is taken, naming metrics.listen', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(start(`127.0.0.1:${port}`)).rejects.toThrow(new RegExp(`metrics\\.listen 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});
