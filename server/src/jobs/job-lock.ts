// A lock file per job folder, so two daemons on one runs folder (two editor windows) never run one
// job twice nor mark each other's live jobs interrupted. The daemon that queues or runs a job holds
// `job.lock` (pid, hostname, start time, a per-daemon owner token), created atomically with `wx`;
// it is stale once its pid is dead on this host, and only then may another daemon take it over.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

export const LOCK_FILE = 'job.lock';
/** A lock file still empty or half-written this long after creation belongs to a crashed writer. */
const UNREADABLE_GRACE_MS = 10_000;

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Which daemon (job queue) in that process holds it. */
  owner: string;
}

export type LockState = { state: 'free' } | { state: 'stale'; info?: LockInfo } | { state: 'live'; info?: LockInfo };

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo> | null;
    if (j && typeof j.pid === 'number' && typeof j.hostname === 'string' && typeof j.owner === 'string') return j as LockInfo;
  } catch {
    // unreadable or half-written: judged by age below
  }
  return undefined;
}

export function lockState(dir: string): LockState {
  const file = path.join(dir, LOCK_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return { state: 'free' };
  }
  const info = readLock(file);
  if (!info) return { state: Date.now() - mtimeMs > UNREADABLE_GRACE_MS ? 'stale' : 'live' };
  // A pid on another host cannot be probed; that lock stays live until removed by hand.
  if (info.hostname !== hostname()) return { state: 'live', info };
  return { state: pidAlive(info.pid) ? 'live' : 'stale', info };
}

export function describeLock(dir: string, info: LockInfo | undefined): string {
  const who = info ? `pid ${info.pid} on ${info.hostname} since ${info.startedAt}` : 'a process that is still writing the lock';
  return `${path.join(dir, LOCK_FILE)}: the job is held by another JumpLens daemon (${who}); it is not run or resumed here`;
}

/**
 * Takes the job's lock for `owner`, replacing a stale one. Returns false when `owner` already holds
 * it; throws (naming the lock file and its holder) when another live daemon does.
 */
export function acquireJobLock(dir: string, owner: string): boolean {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        const info: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), owner };
        writeSync(fd, JSON.stringify(info));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`${file}: cannot create the job lock (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const st = lockState(dir);
    if (st.state === 'live' && st.info?.owner === owner && st.info.pid === process.pid) return false;
    if (st.state === 'live') throw new Error(describeLock(dir, st.info));
    rmSync(file, { force: true });
  }
  throw new Error(`${file}: another daemon took the job lock at the same moment; try again`);
}

/** Removes the lock if `owner` holds it (another daemon's lock is left alone). */
export function releaseJobLock(dir: string, owner: string): void {
  const file = path.join(dir, LOCK_FILE);
  const info = readLock(file);
  if (info && info.owner === owner && info.pid === process.pid) rmSync(file, { force: true });
}
