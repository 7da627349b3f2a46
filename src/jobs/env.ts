/**
 * Which of the submitter's environment variables a job keeps (ADR 0012), in the spirit of
 * `sbatch --export`. A training job needs its interpreter and libraries found and its
 * locale and thread settings; it does not need the submitter's tokens, which would then
 * sit in the ledger. So by default only the variables named in `DEFAULT_EXPORT` are kept;
 * `--env KEY` adds one from your environment, `--env KEY=VALUE` sets one, and `--export`
 * chooses the base set: `default`, `none`, `all` (everything, as `sbatch` does by default),
 * or a comma-separated list of names. `CARBOND_*` is never kept (carbond sets those for
 * each run); `HOME`, `USER`, `LOGNAME` and `SHELL` come from the user database at start.
 * What is kept is stored in the ledger (root-only on a shared box) and never shown.
 */
import type { Issues } from '../core/validation';

/** Names (or `PREFIX*`) kept by default. */
export const DEFAULT_EXPORT: readonly string[] = [
  'PATH', 'LANG', 'LANGUAGE', 'LC_*', 'TZ', 'TMPDIR',
  'PYTHONPATH', 'PYTHONHOME', 'PYTHONUNBUFFERED', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'CONDA_DEFAULT_ENV',
  'LD_LIBRARY_PATH', 'CUDA_HOME', 'CUDA_PATH', 'NCCL_*', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS',
  'HF_HOME', 'HF_DATASETS_CACHE', 'TRANSFORMERS_CACHE', 'TORCH_HOME', 'XDG_CACHE_HOME', 'PYTORCH_CUDA_ALLOC_CONF', 'TF_CPP_MIN_LOG_LEVEL',
];

/** Variables set from the user database when a run starts, whatever the submitter's values. */
export const FROM_USER_DATABASE: readonly string[] = ['HOME', 'USER', 'LOGNAME', 'SHELL'];

const matches = (name: string, pattern: string): boolean => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

/**
 * The environment to store for a job: the `exportMode` base set of `env`, then each
 * `--env` item. Problems (a named variable you do not have, a malformed item) go to `issues`.
 * @example exportedEnv({ PATH: '/bin', HF_TOKEN: 't' }, 'default', ['HF_TOKEN'], issues) → { PATH: '/bin', HF_TOKEN: 't' }
 */
export function exportedEnv(env: Readonly<Record<string, string>>, exportMode: string, items: readonly string[], issues: Issues): Record<string, string> {
  const mode = exportMode.trim();
  const names = Object.keys(env).filter((k) => !k.startsWith('CARBOND_') && !FROM_USER_DATABASE.includes(k));
  let base: string[];
  if (mode.toLowerCase() === 'default') base = names.filter((k) => DEFAULT_EXPORT.some((p) => matches(k, p)));
  else if (mode.toLowerCase() === 'none') base = [];
  else if (mode.toLowerCase() === 'all') base = names;
  else {
    const listed = mode.split(',').map((s) => s.trim()).filter(Boolean);
    if (listed.length === 0) issues.add('export', 'must be default, none, all or a comma-separated list of variable names', exportMode);
    for (const k of listed) if (env[k] === undefined) issues.add('export', 'names a variable that is not set in your environment', k);
    base = listed.filter((k) => env[k] !== undefined);
  }
  const out: Record<string, string> = Object.fromEntries(base.map((k) => [k, env[k]!]));
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq === 0) issues.add('env', 'must be KEY or KEY=VALUE', item);
    else if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    else if (env[item] === undefined) issues.add('env', 'names a variable that is not set in your environment', item);
    else out[item] = env[item]!;
  }
  return out;
}
