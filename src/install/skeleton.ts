/**
 * The config file `carbond install` writes when there is none (never over an existing one).
 * Everything is commented out, so carbond runs on its defaults (zone GB from the keyless
 * National Grid ESO API, one local site) until the operator says otherwise; the commented
 * lines show the shape of each section. README "Configuration" has every key.
 */
import type { InstallMode } from './unit';

export function configSkeleton(mode: InstallMode): string {
  return [
    `# carbond configuration (${mode} mode). Commented out = the default. Check it with:`,
    '#   carbond config check     (every problem at once)',
    '#   carbond doctor           (config, state dir, socket, providers, GPUs, clock)',
    '# Then restart the service. See README.md, "Configuration".',
    '',
    '# logLevel = "info"',
    '# tickInterval = "* * * * *"',
    ...(mode === 'system' ? ['# socketGroup = "carbond"   # members may submit jobs'] : []),
    '',
    '# Carbon-intensity providers: named entries with a type.',
    '# [providers.uk]',
    '# type = "uk-carbon-intensity"',
    '#',
    '# [providers.em]',
    '# type = "electricity-maps"',
    '# tokenFile = "/etc/carbond/em-token"',
    '',
    '# Zones: which providers serve each grid zone, in order of preference.',
    '# [zones.GB]',
    '# providers = ["uk"]',
    '',
    '# Sites: where jobs run, and in which zone.',
    '# [sites.local]',
    '# executor = "local"   # or "slurm"',
    '# zone = "GB"',
    '# gpus = 1',
    '',
  ].join('\n');
}
