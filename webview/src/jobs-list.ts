// Jobs list: state and progress of every job, its outcome (metrics, or the whole error) once it
// ends, with cancel, resume (only where resuming can continue it) and open-results actions.
import type { JobInfo } from '../../protocol';
import { canResume, jobNotice } from '../../protocol/job-outcome';
import { el, postToExtension, type DaemonClient } from './ws-client';

export class JobsList {
  private jobs = new Map<string, JobInfo>();
  private body: HTMLTableSectionElement;

  constructor(
    root: HTMLElement,
    private readonly client: DaemonClient,
    private readonly onError: (msg: string) => void,
  ) {
    this.body = el('tbody');
    root.append(
      el('table', { class: 'jobs' }, el('thead', {}, el('tr', {}, ...['Job', 'Kind', 'State', 'Progress', ''].map((h) => el('th', {}, h)))), this.body),
    );
  }

  upsert(job: JobInfo): void {
    const prev = this.jobs.get(job.id);
    // Progress events only carry the step; keep it when a state event has none.
    this.jobs.set(job.id, { ...job, progress: job.progress ?? prev?.progress });
    this.render();
  }

  progress(jobId: string, step: number, total: number): void {
    const j = this.jobs.get(jobId);
    if (!j) return;
    j.progress = { step, total };
    const cell = this.body.querySelector<HTMLElement>(`tr[data-job="${CSS.escape(jobId)}"] .progress`);
    if (cell) cell.textContent = `${step} / ${total}`;
  }

  get(jobId: string): JobInfo | undefined {
    return this.jobs.get(jobId);
  }

  private render(): void {
    const rows = [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.body.replaceChildren(
      ...rows.flatMap((j) => {
        const actions = el('td', { class: 'actions' });
        const act = (label: string, fn: () => unknown) => {
          const b = el('button', { 'data-action': label.toLowerCase() }, label);
          b.addEventListener('click', () => {
            Promise.resolve(fn()).catch((e: Error) => this.onError(`${label} ${j.id}: ${e.message}`));
          });
          actions.append(b);
        };
        if (j.state === 'running' || j.state === 'queued') act('Cancel', () => this.client.request({ op: 'cancelJob', jobId: j.id }));
        // The page cannot see the run folder; a failed job's checkpoint is for the palette's Show Jobs to find.
        if (canResume(j, false)) act('Resume', () => this.client.request({ op: 'resumeJob', jobId: j.id }));
        if (j.state === 'done' || j.dir) act('Open', () => postToExtension({ type: 'open', path: j.dir }));
        const p = j.progress ? `${j.progress.step} / ${j.progress.total}` : '';
        const rows: HTMLElement[] = [];
        if (j.error) rows.push(el('tr', { class: 'job-error', 'data-error-of': j.id }, el('td', { colspan: '5' }, j.error)));
        else if (j.state === 'done') {
          const o = jobNotice(j, false);
          if (o) rows.push(el('tr', { class: 'job-result', 'data-result-of': j.id }, el('td', { colspan: '5' }, o.message.replace(/^JumpLens: /, ''))));
        }
        rows.unshift(
          el(
            'tr',
            { 'data-job': j.id, 'data-state': j.state },
            el('td', {}, j.id),
            el('td', {}, j.spec.kind),
            el('td', { class: `state ${j.state}`, title: j.error ?? '' }, j.state),
            el('td', { class: 'progress' }, p),
            actions,
          ),
        );
        return rows;
      }),
    );
  }
}
