// The frontier view's reference sweep: which sweep is drawn under the user's points (the reference
// bundled with the extension, or a frontier.json loaded by path through the daemon's
// `frontierResults` op), which of its sites, and the comparison table at common L0 values for that
// site. The daemon's reply is parsed again here (FrontierResultsReplySchema): the page draws only
// what has the shape it expects. State for tests and tools is kept in data attributes of `.frontier`:
// data-reference-source, data-reference-sites (JSON), data-reference-site, data-reference-points.
import type { Comparison } from '../../protocol/frontier-compare';
import { FrontierResultsReplySchema, type FrontierResultsReply } from '../../protocol/ws';
import type { FrontierView } from './frontier';
import { referenceLabel, referenceLines, siteComparison, siteHooks } from './reference-data';
import { el } from './ws-client';

/** Asks the daemon for a sweep's results (no path: the bundled reference); resolves to its raw reply. */
export type FrontierLoader = (path?: string) => Promise<unknown>;

export class ReferenceFrontier {
  private reply: FrontierResultsReply | undefined;
  /** The path last loaded by the user (undefined: the bundled reference), reloaded on reconnect. */
  private path: string | undefined;
  private readonly label = el('span', { class: 'reference-label' });
  private readonly site = el('select', { 'data-frontier-site': '', 'aria-label': 'Site' });
  private readonly pathInput = el('input', {
    type: 'text',
    spellcheck: 'false',
    placeholder: '/abs/path/to/frontier.json',
    'aria-label': 'frontier.json path',
  });
  private readonly message = el('span', { class: 'reference-message' });
  private readonly table = el('div', { class: 'frontier-compare' });

  constructor(
    root: HTMLElement,
    private readonly view: FrontierView,
    private readonly load: FrontierLoader,
  ) {
    const button = el('button', { type: 'button', 'data-action': 'load-frontier' }, 'Load sweep results…');
    const bundled = el(
      'button',
      { type: 'button', 'data-action': 'reference-frontier', title: 'Back to the reference frontier shipped with JumpLens' },
      'Reference',
    );
    button.addEventListener('click', () => {
      const p = this.pathInput.value.trim();
      if (p) void this.show(p);
      else this.say('Give the path of a frontier.json (written by jumplens sweep) to load it.', true);
    });
    this.pathInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') button.click();
    });
    bundled.addEventListener('click', () => void this.show(undefined));
    this.site.addEventListener('change', () => this.draw());
    root.prepend(
      el(
        'div',
        { class: 'reference' },
        el('div', { class: 'reference-row' }, this.label, el('label', {}, 'Site ', this.site)),
        el('div', { class: 'reference-row' }, this.pathInput, button, bundled),
        this.message,
      ),
    );
    root.append(this.table);
  }

  /** Loads the bundled reference or `path` and draws its first site (or the same site, if it has it). */
  async show(path: string | undefined = this.path): Promise<void> {
    let reply: FrontierResultsReply;
    try {
      const raw = await this.load(path);
      const r = FrontierResultsReplySchema.safeParse(raw);
      if (!r.success) throw new Error(`the daemon's frontierResults reply is malformed: ${r.error.issues[0].message}`);
      reply = r.data;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // No bundled reference is a state of the package, not a failure of the user's.
      this.say(path === undefined ? `No reference frontier: ${why}` : why, path !== undefined);
      return;
    }
    this.path = path;
    this.reply = reply;
    const before = this.site.value;
    const sites = siteHooks(reply.results.rows);
    this.site.replaceChildren(...sites.map((h) => el('option', { value: h }, h)));
    this.site.value = sites.includes(before) ? before : (sites[0] ?? '');
    this.label.textContent = referenceLabel(reply);
    this.view.box.dataset.referenceSource = reply.path;
    this.view.box.dataset.referenceBundled = String(reply.bundled);
    this.view.box.dataset.referenceSites = JSON.stringify(sites);
    this.say(sites.length ? '' : `${reply.path} has no finished runs yet`, false);
    this.draw();
  }

  private draw(): void {
    const reply = this.reply;
    const hook = this.site.value;
    this.view.box.dataset.referenceSite = hook;
    this.view.setReference(reply && hook ? referenceLines(reply.results.rows, hook) : []);
    this.table.replaceChildren();
    if (reply && hook) this.table.append(comparisonTable(siteComparison(reply.results, hook), hook));
  }

  private say(msg: string, error: boolean): void {
    this.message.textContent = msg;
    this.message.className = error ? 'reference-message error' : 'reference-message';
  }
}

/** FVU and Δ LM loss per architecture at each L0 for one site; the best of each row in bold. */
function comparisonTable(c: Comparison, hook: string): HTMLElement {
  const archs = c.architectures;
  const cell = (v: number | undefined, best: boolean) => el('td', best ? { class: 'best' } : {}, v === undefined ? '–' : v.toFixed(4));
  const table = el(
    'table',
    { 'data-site': hook },
    el('thead', {}, el('tr', {}, el('th', {}, 'L0'), ...archs.map((a) => el('th', {}, `${a} FVU`)), ...archs.map((a) => el('th', {}, `${a} Δ LM loss`)))),
    el(
      'tbody',
      {},
      ...c.rows.map((r) =>
        el(
          'tr',
          { 'data-l0': String(r.l0) },
          el('td', {}, String(r.l0)),
          ...archs.map((a) => cell(r.at[a]?.fvu, r.bestFvu === a)),
          ...archs.map((a) => cell(r.at[a]?.delta_lm_loss, r.bestDelta === a)),
        ),
      ),
    ),
  );
  return el(
    'div',
    {},
    el('h4', {}, `Comparison at common L0 (${hook})`),
    table,
    el(
      'p',
      { class: 'note' },
      'Interpolated linearly in log L0 between the two runs that bracket each L0; – where an architecture has no runs on both sides. Bold: lowest in the row.',
    ),
  );
}
