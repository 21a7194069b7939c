// palette.mjs: how far apart two colours look to people with a colour-vision deficiency.
// Simulation: Machado, Oliveira and Fernandes (2009), severity 1.0, on linear sRGB;
// distance: CIE76 ΔE in CIELAB (D65). ΔE ≥ 10 reads as clearly different colours.
const MATRICES = {
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
};
export const DEFICIENCIES = Object.keys(MATRICES);

const linear = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };

// CIELAB of linear RGB.
function lab([r, g, b]) {
  const X = 0.4124 * r + 0.3576 * g + 0.1805 * b, Y = 0.2126 * r + 0.7152 * g + 0.0722 * b,
    Z = 0.0193 * r + 0.1192 * g + 0.9505 * b;
  const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const fx = f(X / 0.95047), fy = f(Y), fz = f(Z / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

// [r, g, b] (0-255) of "rgb(r, g, b)" as getComputedStyle gives it.
export function parseRgb(css) {
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(css);
  if (!m) throw new Error(`not a colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

// ΔE between two colours (0-255 RGB) as seen with `deficiency` (or normal vision: null).
export function distance(a, b, deficiency) {
  const see = (c) => {
    const l = c.map(linear);
    const m = deficiency ? MATRICES[deficiency] : [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    return lab(m.map((row) => Math.min(1, Math.max(0, row[0] * l[0] + row[1] * l[1] + row[2] * l[2]))));
  };
  const p = see(a), q = see(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
