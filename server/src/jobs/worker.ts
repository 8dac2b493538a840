// Worker-thread entry for one job (the queue terminates the thread after its last message). It starts its own tensor backend, so a training step never
// blocks the daemon's main thread (hovers stay fast), and reports through postMessage.
import { parentPort, workerData } from 'node:worker_threads';
import { runJob } from './run-job';
import type { QueueToWorker, WorkerInput, WorkerToQueue } from './worker-protocol';

// Worker output goes to the daemon's stderr; stdout belongs to the LSP stream.
console.log = console.info = console.debug = console.warn = (...a: unknown[]) => console.error(...a);

const port = parentPort;
if (!port) throw new Error('server/src/jobs/worker.ts must run as a worker thread');
const emit = (m: WorkerToQueue) => port.postMessage(m);
const ac = new AbortController();
port.on('message', (m: QueueToWorker) => {
  if (m.type === 'cancel') ac.abort();
});

runJob(workerData as WorkerInput, emit, ac.signal).then(
  // Results cross postMessage as JSON (functions or class instances in them would not clone), tagged
  // with the job's kind so readers know their shape (protocol/jobs.ts JobResult).
  (result) =>
    emit(
      ac.signal.aborted
        ? { type: 'cancelled' }
        : { type: 'done', result: { ...JSON.parse(JSON.stringify(result ?? {})), kind: (workerData as WorkerInput).spec.kind } },
    ),
  (e: unknown) => emit(ac.signal.aborted ? { type: 'cancelled' } : { type: 'error', error: e instanceof Error ? e.message : String(e) }),
);
