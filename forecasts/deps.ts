/** What every adapter is built with: the HTTP deps plus the environment (for secrets). */
import type { HttpDeps } from './http/client';

export interface AdapterDeps extends HttpDeps {
  /** Environment for `…Env` secrets; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}
