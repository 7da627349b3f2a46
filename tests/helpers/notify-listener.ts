/**
 * A systemd-style NOTIFY_SOCKET for tests: a real AF_UNIX SOCK_DGRAM socket bound by a
 * small python3 program (node's dgram has no Unix-domain support). Each datagram comes
 * back as one message string (`READY=1\nMAINPID=123`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait';

const LISTENER = `
import json, os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print(json.dumps({"bound": path}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"message": data.decode("utf-8", "replace")}), flush=True)
`;

export interface NotifyListener {
  socketPath: string;
  messages: string[];
  /** Waits for a message containing `text` (e.g. `READY=1`). */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startNotifyListener(socketPath: string): Promise<NotifyListener> {
  const child: ChildProcess = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: string[] = [];
  let bound = false;
  let buffer = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = JSON.parse(line) as { bound?: string; message?: string };
      if (parsed.bound) bound = true;
      if (parsed.message !== undefined) messages.push(parsed.message);
    }
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await waitFor('the notify listener to bind', () => bound, 5_000);
  return {
    socketPath,
    messages,
    waitFor: (text, timeoutMs = 10_000) => waitFor(`a notify message with ${text}`, () => messages.find((m) => m.includes(text)), timeoutMs),
    close: async () => { child.kill('SIGKILL'); await closed; },
  };
}
