/**
 * A typed registry through which daemon extensions share long-lived objects (the
 * executors, the forecast chain, the meter set) without importing each other's state.
 * One extension `provide`s in its `start`, others `get` in theirs (order in the
 * extension list) or in tick steps and routes.
 * @example
 *   export const EXECUTORS = new ServiceKey<ExecutorSet>('executors');
 *   ctx.services.provide(EXECUTORS, set);   // in start()
 *   ctx.services.get(EXECUTORS).start(job); // anywhere later
 */
import { CarbondError } from '../core/errors';

/** A named, typed key. Create one per service, exported next to its type. */
export class ServiceKey<T> {
  declare readonly _type: T;
  constructor(readonly name: string) {}
}

export class ServiceRegistry {
  private readonly values = new Map<ServiceKey<unknown>, unknown>();

  /** Registers `value` under `key`; a key can be provided once. */
  provide<T>(key: ServiceKey<T>, value: T): void {
    if (this.values.has(key)) throw new CarbondError('E_SERVICE', `service ${key.name} is already provided`);
    this.values.set(key, value);
  }

  /** The service, or a clear error naming the missing key (an extension-order mistake). */
  get<T>(key: ServiceKey<T>): T {
    if (!this.values.has(key)) throw new CarbondError('E_SERVICE', `service ${key.name} is not provided (is its extension registered before this one?)`);
    return this.values.get(key) as T;
  }

  /** The service, or undefined when nobody provides it (optional features). */
  find<T>(key: ServiceKey<T>): T | undefined {
    return this.values.get(key) as T | undefined;
  }
}
