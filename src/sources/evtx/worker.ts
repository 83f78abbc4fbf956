// Worker thread entry: parses blocks of chunks sent by pool.ts and posts the flat results back.

import { parentPort } from 'node:worker_threads';
import { parseBlock } from './block.js';

export interface BlockTask {
  id: number;
  buf: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  firstChunkNo: number;
  fileOffset: number;
  recover: boolean;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (t: BlockTask) => {
    try {
      const res = parseBlock(Buffer.from(t.buf, t.byteOffset, t.byteLength), t.firstChunkNo, t.fileOffset, t.recover);
      // The cells and the block's memory go back transferred, not copied; the pool reuses the block.
      port.postMessage({ id: t.id, res, buf: t.buf }, [res.cells.buffer as ArrayBuffer, t.buf]);
    } catch (e) {
      port.postMessage({ id: t.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), buf: t.buf }, [t.buf]);
    }
  });
}
