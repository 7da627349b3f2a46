/**
 * One description per HTTP adapter, so the contract suite runs the same scenarios against
 * every one: how to build it against a local server, where its forecast route is, and how
 * to write a forecast body in that API's exact format.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbonAwareSdkProvider } from '../../../forecasts/carbon-aware-sdk/provider';
import type { AdapterDeps } from '../../../forecasts/deps';
import { ElectricityMapsProvider } from '../../../forecasts/electricity-maps/provider';
import type { ForecastProvider } from '../../../forecasts/types';
import { UkCarbonIntensityProvider } from '../../../forecasts/uk-carbon-intensity/provider';
import { G_PER_KWH_PER_LBS_PER_MWH } from '../../../forecasts/watttime/map';
import { WattTimeProvider } from '../../../forecasts/watttime/provider';
import type { FakeProviderServer } from '../../helpers/fake-provider-server';

export const FIXTURES = path.join(__dirname, '../../fixtures/providers');
export function fixture(rel: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, rel), 'utf8')) as unknown;
}

export interface SeriesValue {
  startMs: number;
  value: number | null;
}

const common = { timeoutMs: 300, retries: 0, requestsPerHour: 1000 };
const ukTime = (ms: number): string => new Date(ms).toISOString().slice(0, 16) + 'Z';
const emTime = (ms: number): string => new Date(ms).toISOString();
const plusZero = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + '+00:00';

export interface AdapterSpec {
  type: string;
  zone: string;
  /** Matches the pathname of the forecast request. */
  isForecast: (path: string) => boolean;
  stepMs: number;
  /** Multiply an API value by this to get g/kWh. */
  factor: number;
  make(baseUrl: string, deps: AdapterDeps, overrides?: Partial<typeof common>): ForecastProvider;
  /** Extra routes the adapter needs (login). */
  setup(server: FakeProviderServer): void;
  /** A forecast body in the API's exact format. */
  format(values: readonly SeriesValue[]): unknown;
  /** The recorded-shape forecast fixture and the values (g/kWh) and starts it must give. */
  recorded: { body: unknown; nowMs: number; starts: string[]; gPerKWh: number[] };
  /** Secrets the adapter holds (must never appear in errors). */
  secrets: string[];
  /** True when 401/403 triggers a new login and one retry. */
  relogsIn: boolean;
}

export const ADAPTERS: AdapterSpec[] = [
  {
    type: 'uk-carbon-intensity',
    zone: 'GB',
    isForecast: (p) => /^\/intensity\/[^/]+\/fw48h$/.test(p),
    stepMs: 1_800_000,
    factor: 1,
    make: (baseUrl, deps, o) => new UkCarbonIntensityProvider('uk', { type: 'uk-carbon-intensity', baseUrl, ...common, ...o }, deps),
    setup: () => undefined,
    format: (values) => ({ data: values.map((v) => ({ from: ukTime(v.startMs), to: ukTime(v.startMs + 1_800_000), intensity: { forecast: v.value, actual: null, index: 'moderate' } })) }),
    recorded: {
      body: fixture('uk-carbon-intensity/national_fw48h_2024-01-12T0601Z.json'),
      nowMs: Date.parse('2024-01-12T06:17:00Z'),
      starts: ['2024-01-12T06:00:00.000Z', '2024-01-12T06:30:00.000Z'],
      gPerKWh: [293, 301, 304, 306, 305, 305, 308, 309],
    },
    relogsIn: false,
    secrets: [],
  },
  {
    type: 'electricity-maps',
    zone: 'DE',
    isForecast: (p) => p === '/carbon-intensity/forecast',
    stepMs: 3_600_000,
    factor: 1,
    make: (baseUrl, deps, o) => new ElectricityMapsProvider('emaps', { type: 'electricity-maps', baseUrl, token: 'em-secret-token', ...common, ...o }, deps),
    setup: () => undefined,
    format: (values) => ({ zone: 'DE', forecast: values.map((v) => ({ carbonIntensity: v.value, datetime: emTime(v.startMs) })), updatedAt: emTime((values[0]?.startMs ?? 0) - 480_000) }),
    recorded: {
      body: fixture('electricity-maps/forecast_DE.json'),
      nowMs: Date.parse('2023-05-02T19:55:00Z'),
      starts: ['2023-05-02T20:00:00.000Z', '2023-05-02T21:00:00.000Z'],
      gPerKWh: [557, 552, 540, 521, 505, 498, 502, 516],
    },
    relogsIn: false,
    secrets: ['em-secret-token'],
  },
  {
    type: 'watttime',
    zone: 'US-CAL-CISO',
    isForecast: (p) => p === '/v3/forecast',
    stepMs: 300_000,
    factor: G_PER_KWH_PER_LBS_PER_MWH,
    make: (baseUrl, deps, o) => new WattTimeProvider('wt', { type: 'watttime', baseUrl, username: 'carbond', password: 'wt-secret-pass', region: 'CAISO_NORTH', ...common, ...o }, deps),
    setup: (server) => void server.route('/login', { body: { token: 'token-1' } }, { body: { token: 'token-2' } }),
    format: (values) => ({
      data: values.map((v) => ({ point_time: plusZero(v.startMs), value: v.value })),
      meta: { data_point_period_seconds: 300, region: 'CAISO_NORTH', signal_type: 'co2_moer', units: 'lbs_co2_per_mwh', model: { date: '2023-03-01' }, warnings: [], generated_at_period_seconds: 300, generated_at: plusZero(values[0]?.startMs ?? 0) },
    }),
    recorded: {
      body: fixture('watttime/forecast_CAISO_NORTH.json'),
      nowMs: Date.parse('2022-07-15T00:01:00Z'),
      starts: ['2022-07-15T00:00:00.000Z', '2022-07-15T00:05:00.000Z'],
      gPerKWh: [870.0, 860.5, 855.0, 850.25, 848.0, 851.5].map((v) => v * G_PER_KWH_PER_LBS_PER_MWH),
    },
    relogsIn: true,
    secrets: ['wt-secret-pass', 'token-1'],
  },
  {
    type: 'carbon-aware-sdk',
    zone: 'US-EAST',
    isForecast: (p) => p === '/emissions/forecasts/current',
    stepMs: 300_000,
    factor: 1,
    make: (baseUrl, deps, o) => new CarbonAwareSdkProvider('casdk', { type: 'carbon-aware-sdk', baseUrl, location: 'eastus', ...common, ...o }, deps),
    setup: () => undefined,
    format: (values) => [{
      generatedAt: plusZero(values[0]?.startMs ?? 0), requestedAt: '2022-11-02T10:28:46.8644078+00:00', location: 'eastus',
      dataStartAt: plusZero(values[0]?.startMs ?? 0), dataEndAt: plusZero(values.at(-1)?.startMs ?? 0), windowSize: 5, optimalDataPoints: [],
      forecastData: values.map((v) => ({ location: 'PJM_ROANOKE', timestamp: plusZero(v.startMs), duration: 5, value: v.value })),
    }],
    recorded: {
      body: fixture('carbon-aware-sdk/forecasts_current_eastus.json'),
      nowMs: Date.parse('2022-11-02T10:29:00Z'),
      starts: ['2022-11-02T10:30:00.000Z', '2022-11-02T10:35:00.000Z'],
      gPerKWh: [547.32, 546.1, 545.67162111, 544.81, 545.2],
    },
    relogsIn: false,
    secrets: [],
  },
];
