/** `carbond config check`: the resolved configuration with secrets masked, or every problem at once. */
import type { CliCommand } from '../command';
import { withJson } from '../command';

export const configCheckCommand: CliCommand = {
  command: 'config check',
  describe: 'validate the configuration and print it resolved, secrets masked',
  builder: withJson,
  run: async (_args, ctx) => {
    const config = ctx.config();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { maskedConfig } = require('../../config/mask') as typeof import('../../config/mask');
    const masked = maskedConfig(config);
    const source = config.configPath ?? 'no config file (defaults)';
    return { data: masked, text: `# configuration OK: ${source}\n${JSON.stringify(masked, null, 2)}` };
  },
};
