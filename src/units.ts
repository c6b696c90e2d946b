// Byte sizes as people write them, for options (`--max-decompressed-size 64G`) and messages.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
const FACTORS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** The largest binary unit `bytes` reaches, and the amount in it. */
function scale(bytes: number): { value: number; unit: number } {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return { value, unit };
}

/** `64 GiB`, `1.5 MiB`, `512 B`: for messages. */
export function formatBytes(bytes: number): string {
  const { value, unit } = scale(bytes);
  return unit === 0 ? `${bytes} B` : `${Number(value.toFixed(1))} ${UNITS[unit]}`;
}

/** `2.0 MiB`: one decimal always, so sizes line up in listings and progress (inspect, push). */
export function formatSize(bytes: number): string {
  const { value, unit } = scale(bytes);
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `1048576`, `512M`, `64G`, `64GiB`, `1.5t` (binary units); undefined when not a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * FACTORS[m[2]!.toLowerCase()]!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}
