// Adam over tf Variables with the learning rate passed per step (tf.train.adam fixes it at
// construction, and the recipe needs β1 = 0 plus warm-up/decay schedules). Moments live in
// Variables named after the parameter, so checkpoints can save and restore them.
import { tf, type Tensor } from '../tf';

export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  t = 0;

  constructor(
    readonly beta1: number,
    readonly beta2: number,
    readonly eps: number,
  ) {}

  /** One update of each named variable by its gradient. */
  apply(vars: Map<string, tf.Variable>, grads: Record<string, Tensor>, lr: number): void {
    this.t++;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    for (const [name, g] of Object.entries(grads)) {
      const p = vars.get(name);
      if (!p) throw new Error(`adam: gradient for unknown variable "${name}"`);
      if (!this.m.has(name)) {
        const z = tf.zerosLike(p);
        this.m.set(name, tf.variable(z, false));
        this.v.set(name, tf.variable(z, false));
        z.dispose();
      }
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const mNew = this.beta1 === 0 ? g : tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        const update = tf.div(tf.div(mNew, bc1), tf.add(tf.sqrt(tf.div(vNew, bc2)), this.eps));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    }
  }

  /** Host copies of the moments, keyed `adam_m.<name>` / `adam_v.<name>`. */
  snapshot(): Record<string, { data: Float32Array; shape: number[] }> {
    const out: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const [n, t] of this.m) out[`adam_m.${n}`] = { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape.slice() };
    for (const [n, t] of this.v) out[`adam_v.${n}`] = { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape.slice() };
    return out;
  }

  restore(tensors: Map<string, { data: Float32Array; shape: number[] }>, t: number): void {
    this.t = t;
    for (const [key, val] of tensors) {
      const mm = /^adam_(m|v)\.(.+)$/.exec(key);
      if (!mm) continue;
      const target = mm[1] === 'm' ? this.m : this.v;
      target.get(mm[2])?.dispose();
      const init = tf.tensor(val.data, val.shape);
      target.set(mm[2], tf.variable(init, false));
      init.dispose();
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
