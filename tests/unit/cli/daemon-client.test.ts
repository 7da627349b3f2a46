import { parseResponse } from '../../../src/cli/daemon-client';
import { CarbondError } from '../../../src/core/errors';

describe('parseResponse', () => {
  it('reads the status and the JSON body, multi-byte characters included', () => {
    const raw = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"zone":"GB","note":"142 gCO₂/kWh"}');
    expect(parseResponse(raw)).toEqual({ status: 200, body: { zone: 'GB', note: '142 gCO₂/kWh' } });
  });

  it('keeps the status of an error answer', () => {
    expect(parseResponse(Buffer.from('HTTP/1.1 409 Conflict\r\n\r\n{"error":{"code":"E_STATE"}}'))).toEqual({ status: 409, body: { error: { code: 'E_STATE' } } });
  });

  it('refuses a cut-off answer and something that is not HTTP', () => {
    expect(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\ncontent-'))).toThrow(CarbondError);
    expect(() => parseResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow('not HTTP');
  });
});
