import type { CliCommand } from '../command';
import { withJson } from '../command';

export const versionCommand: CliCommand = {
  command: 'version',
  describe: 'print the carbond version',
  builder: withJson,
  run: async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { carbondVersion } = require('../../daemon/version') as typeof import('../../daemon/version');
    const version = carbondVersion();
    return { data: { version, node: process.versions.node }, text: `carbond ${version} (node ${process.versions.node})` };
  },
};
