// Reads step/total out of a daemon job event, whichever form it takes (generic `progress` for
// every job kind, or a training event's step/totalSteps), so the notification can advance.
import type { JobEvent } from '../../protocol';

/** Step/total of a progress event: `progress` for every job kind, else the training event's step. */
export function progressOf(e: Extract<JobEvent, { type: 'progress' }>): { step: number; total: number; message?: string } | undefined {
  const r = e as unknown as { progress?: { step: number; total: number; message?: string }; event?: { step: number; totalSteps: number } };
  if (r.progress && Number.isFinite(r.progress.step) && Number.isFinite(r.progress.total)) return r.progress;
  if (r.event && Number.isFinite(r.event.step) && Number.isFinite(r.event.totalSteps)) return { step: r.event.step, total: r.event.totalSteps };
  return undefined;
}
