/**
 * Picks the fastest TF.js backend present at run time:
 * `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` → `@tensorflow/tfjs-backend-wasm` → `cpu`.
 * The native ones are optional packages (not dependencies of carbond); each is tried
 * in a try/catch and the reason it was skipped is kept for the status report.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

/** Names reported in `backend` and `progress` events. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  name: BackendName;
  /** Backends tried before the chosen one, and why each was skipped. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

const load = createRequire(__filename);

/** Loads the package behind `name` and switches TF.js to it; throws when unavailable. */
async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow-gpu') load('@tensorflow/tfjs-node-gpu');
  if (name === 'tensorflow') load('@tensorflow/tfjs-node');
  if (name === 'wasm') load('@tensorflow/tfjs-backend-wasm');
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  const ok = await tf.setBackend(tfName);
  if (!ok || tf.getBackend() !== tfName) throw new Error(`tf.setBackend('${tfName}') failed`);
  await tf.ready();
}

/**
 * Activates the first backend that loads, in `BACKEND_ORDER`, or exactly `prefer`.
 * @example (await selectBackend()).name // 'wasm' on a machine without tfjs-node
 */
export async function selectBackend(prefer: BackendName | 'auto' = 'auto'): Promise<BackendChoice> {
  const order = prefer === 'auto' ? BACKEND_ORDER : [prefer];
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      await activate(name);
      return { name, skipped };
    } catch (err) {
      skipped.push({ name, reason: (err as Error).message.split('\n')[0] ?? String(err) });
    }
  }
  throw new Error(`no TF.js backend could be activated: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** Parses a `--backend` value. */
export function isBackendPreference(value: string): value is BackendName | 'auto' {
  return value === 'auto' || (BACKEND_ORDER as readonly string[]).includes(value);
}
