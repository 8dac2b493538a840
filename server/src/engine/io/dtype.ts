// Conversions between float32 and the half-precision formats SAE and model files use. Node 20 has
// no Float16Array, and checkpoints run to billions of elements, so these are table- and
// bit-twiddling loops over typed arrays rather than per-element library calls.

let f16Table: Float32Array | undefined;

function buildF16Table(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0)
      t[h] = sign * frac * 2 ** -24; // subnormal
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return t;
}

/** IEEE half (as raw uint16) -> float32. */
export function f16ToF32(src: Uint16Array): Float32Array {
  const table = (f16Table ??= buildF16Table());
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
  return out;
}

/** bfloat16 (as raw uint16) -> float32: bfloat16 is the top half of a float32. */
export function bf16ToF32(src: Uint16Array): Float32Array {
  const out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
  return new Float32Array(out.buffer);
}

/** float32 -> bfloat16 with round-to-nearest-even (as PyTorch does); NaN stays NaN. */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000 && b & 0x007fffff) {
      out[i] = (b >>> 16) | 0x0040; // quiet NaN
      continue;
    }
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** float32 -> IEEE half with round-to-nearest-even, overflow to ±Inf, subnormals kept. */
export function f32ToF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = bits[i];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      const halfMant = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      const round = rem > halfway || (rem === halfway && halfMant & 1) ? 1 : 0;
      out[i] = sign | (halfMant + round);
      continue;
    }
    const halfMant = mant >>> 13;
    const rem = mant & 0x1fff;
    const round = rem > 0x1000 || (rem === 0x1000 && halfMant & 1) ? 1 : 0;
    // A carry out of the mantissa correctly bumps the exponent (and to Inf at the top).
    out[i] = (sign | (e << 10) | halfMant) + round;
  }
  return out;
}
