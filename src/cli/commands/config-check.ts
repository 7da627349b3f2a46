/** `carbond config check`: the resolved configuration with secrets masked, or every problem at once. */
import type { CliCommand } from '../command';
import { withJson } from '../command';

export const configCheckCommand: CliCommand = {
  command: 'config check',
  describe: 'validate the configuration and print it resolved, secrets masked',
  builder: withJson,
  run: async (_args, ctx) => {
    // Also checks what only a look at the disk can tell (a `file` provider's trace exists):
    // the daemon itself starts without it and fails over to the next provider.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require('../../config/load') as typeof import('../../config/load');
    const config = loadConfig({ ...ctx.locationInput(), checkFiles: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { maskedConfig } = require('../../config/mask') as typeof import('../../config/mask');
    const masked = maskedConfig(config);
    const source = config.configPath ?? 'no config file (defaults)';
    return { data: masked, text: `# configuration OK: ${source}\n${JSON.stringify(masked, null, 2)}` };
  },
};
