/** The soak's small infrastructure parts on real sockets and files: the black-hole proxy, the audit log reader. */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuditLogReader, secretWriteAuditPolicy } from '../../../testkit/AuditLogReader.ts';
import { BlackholeProxy } from '../../../scripts/soak/BlackholeProxy.ts';

let echo: Server;
let port: number;

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  port = (echo.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => echo.close(() => r()));
});

const received = (socket: ReturnType<typeof connect>) => {
  const chunks: string[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c.toString()));
  return () => chunks.join('');
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BlackholeProxy', () => {
  it('forwards, stalls old and new connections while black-holed, and delivers afterwards', async () => {
    const proxy = await BlackholeProxy.start(`https://127.0.0.1:${port}`);
    const target = new URL(proxy.url);
    const open = () => connect({ host: '127.0.0.1', port: Number(target.port) });
    try {
      const old = open();
      const oldText = received(old);
      old.write('hello');
      await wait(100);
      expect(oldText()).toBe('hello');

      proxy.setBlackhole(true);
      old.write(' again');
      const fresh = open();
      const freshText = received(fresh);
      fresh.write('new');
      await wait(200);
      expect(oldText()).toBe('hello');
      expect(freshText()).toBe('');
      expect(old.destroyed || fresh.destroyed).toBe(false);

      proxy.setBlackhole(false);
      await wait(200);
      expect(oldText()).toBe('hello again');
      expect(freshText()).toBe('new');
      old.destroy();
      fresh.destroy();
    } finally {
      await proxy.stop();
    }
  });
});

describe('AuditLogReader', () => {
  it('reads complete lines incrementally and recognises ownership-policy refusals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soak-audit-'));
    try {
      const file = join(dir, 'audit.log');
      const event = (verb: string, code: number, message = '') =>
        JSON.stringify({
          stage: 'ResponseComplete',
          verb,
          user: { username: 'keysync-service' },
          objectRef: { resource: 'secrets', namespace: 'ns', name: 's' },
          responseStatus: { code, message },
          stageTimestamp: '2026-01-01T00:00:00Z',
        });
      const reader = new AuditLogReader('a', file);
      expect(reader.read()).toEqual([]);
      writeFileSync(
        file,
        `${event('create', 201)}\n${event('update', 403, "ValidatingAdmissionPolicy 'aks-keysync-owned-secrets-only' denied")}\n{"stage":"Resp`,
      );
      const first = reader.read();
      expect(first.map((e) => [e.verb, e.code, e.refusedByOwnershipPolicy])).toEqual([
        ['create', 201, false],
        ['update', 403, true],
      ]);
      appendFileSync(file, 'onseStarted"}\n');
      expect(reader.read()).toEqual([]);
      expect(secretWriteAuditPolicy('keysync-service')).toContain('level: Metadata');
      expect(secretWriteAuditPolicy('keysync-service')).not.toMatch(/level: Request/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
