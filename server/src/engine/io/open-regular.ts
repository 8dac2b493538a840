// Every file JumpLens reads goes through here: it is opened non-blocking (so a FIFO cannot hang
// the open), fstat'ed after following links, and refused unless it is a regular file. A symlink to
// /dev/zero would otherwise fill memory at ~1 GB/s and a FIFO would block the daemon forever.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { checkFileBytes } from './limits';

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Opens `file` for reading; throws `<file>: cannot read (ENOENT)` or `<file>: is a FIFO …, not a regular file`. */
export function openRegular(file: string, what?: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new Error(`${file}: cannot read${what ? ` ${what}` : ''} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new Error(`${file}: is ${kindOf(st)}, not a regular file; refusing to read it`);
  }
  return { fd, size: st.size };
}

/** Throws unless `file` is (or links to) a regular file; returns its size in bytes. */
export function assertRegularFile(file: string): number {
  const { fd, size } = openRegular(file);
  closeSync(fd);
  return size;
}

/**
 * Reads a whole regular file, refusing it before reading when it is larger than `maxBytes`
 * (default: the tensor cap of limits.ts).
 */
export interface ReadOptions {
  maxBytes?: number;
  /** What the file is, for the error message ("checkpoint", "corpus"). */
  what?: string;
}
export function readRegularFile(file: string, opts?: ReadOptions): Buffer;
export function readRegularFile(file: string, opts: ReadOptions & { encoding: 'utf8' }): string;
export function readRegularFile(file: string, opts: ReadOptions & { encoding?: 'utf8' } = {}): Buffer | string {
  const { fd, size } = openRegular(file, opts.what);
  try {
    checkFileBytes(file, size, opts.maxBytes);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const r = readSync(fd, buf, got, size - got, got);
      if (r === 0) break; // the file shrank while we read it
      got += r;
    }
    const out = got === size ? buf : buf.subarray(0, got);
    return opts.encoding ? out.toString(opts.encoding) : out;
  } finally {
    closeSync(fd);
  }
}
