// One line per check: its verdict, what was checked, and on a failure the cause and the fix.
// `check` exits 0 only when no line failed.

export interface Verdict {
  check: string;
  /** `skip`: not checked because an earlier check it depends on failed. */
  status: 'ok' | 'FAIL' | 'skip';
  detail: string;
  /** On a failure: what the operator does about it. */
  fix?: string;
}

export const ok = (check: string, detail: string): Verdict => ({ check, status: 'ok', detail });
export const fail = (check: string, detail: string, fix: string): Verdict => ({ check, status: 'FAIL', detail, fix });
export const skip = (check: string, detail: string): Verdict => ({ check, status: 'skip', detail });

export function verdictLine(v: Verdict): string {
  const fix = v.fix !== undefined ? `; fix: ${v.fix}` : '';
  return `${v.status.padEnd(4)}  ${v.check}: ${v.detail}${fix}`;
}
