// The pack index cache must not outlive the pack it describes: on this file system a new pack
// can take a just-deleted pack's inode, size and (coarse) mtime.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packTail, readNode } from './file-pack.js';

const pack = (nodes: readonly (readonly [string, Uint8Array])[]): Uint8Array => Buffer.concat([...nodes.map(([, v]) => v), packTail(nodes)]);

describe('pack index cache', () => {
  it('reads a node right from a new pack with the old one’s inode, size and mtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-pack-'));
    try {
      const a = new Uint8Array(40_000).fill(1);
      const b = new Uint8Array(40_000).fill(2); // two nodes: above the size read whole
      const path = join(dir, 'a');
      writeFileSync(
        path,
        pack([
          ['a', a],
          ['b', b],
        ]),
      );
      expect(await readNode(path, 'a')).toEqual(a); // its index is cached now
      const before = statSync(path, { bigint: true });
      unlinkSync(path);
      writeFileSync(
        path,
        pack([
          ['b', b],
          ['a', a],
        ]),
      ); // the same size, the nodes the other way round
      const seconds = before.mtimeNs / 1_000_000_000n;
      const nanos = (before.mtimeNs % 1_000_000_000n).toString().padStart(9, '0');
      execFileSync('touch', ['-m', '-d', `@${seconds}.${nanos}`, path]); // the mtime of the old one, exactly
      const after = statSync(path, { bigint: true });
      expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);
      expect(await readNode(path, 'a')).toEqual(a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
